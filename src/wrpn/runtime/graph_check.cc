#include "wrpn/runtime/graph_check.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "wrpn/runtime/ops/node_view.h"
#include "wrpn/runtime/ops/registry.h"
#include "wrpn/runtime/tensor_check.h"

namespace wrpn::runtime {

void check_version(uint16_t major, uint16_t minor) {
  const std::string version = std::to_string(major) + "." + std::to_string(minor);
  if (major != kVersionMajor) {
    throw std::runtime_error("unsupported .wrpn version " + version + " (this runtime reads version " +
                             std::to_string(kVersionMajor) + ".x)");
  }
  // A newer minor may add ops, attributes or types this runtime cannot run, so it is refused
  // whole rather than misread.
  if (minor > kVersionMinor) {
    throw std::runtime_error(".wrpn version " + version + " is newer than this runtime, which reads versions " +
                             std::to_string(kVersionMajor) + ".0 .. " + std::to_string(kVersionMajor) + "." +
                             std::to_string(kVersionMinor) + ": update the runtime");
  }
}

void validate_graph(const ModelFile& m) {
  auto fail = [](const std::string& what) { throw std::runtime_error(what); };
  check_version(kVersionMajor, m.version_minor);
  const InputSpec& in = m.input;
  const auto dim_ok = [](int d) { return d >= 1 && d <= (1 << 16); };
  if (!dim_ok(in.channels) || !dim_ok(in.height) || !dim_ok(in.width)) fail("input shape dimensions must be 1..65536");
  if (in.scale.size() != size_t(in.channels) || in.shift.size() != size_t(in.channels))
    fail("input normalisation needs one scale and shift per channel");
  for (int c = 0; c < in.channels; ++c) {
    if (!std::isfinite(in.scale[c]) || !std::isfinite(in.shift[c]))
      fail("input normalisation of channel " + std::to_string(c) + " is not finite");
  }
  if (m.values.empty()) fail("the graph has no values");
  for (size_t i = 0; i < m.values.size(); ++i) {
    const ValueInfo& v = m.values[i];
    const bool bits_ok = v.kind == ValueKind::kFloat ? v.bits == 32 : (v.bits >= 1 && v.bits <= 8);
    if (!bits_ok)
      fail("value " + std::to_string(i) + ": " + std::to_string(v.bits) + " bits is not valid for its kind");
    if (!dim_ok(v.channels) || !dim_ok(v.height) || !dim_ok(v.width) || v.elements() > kMaxValueElements) {
      fail("value " + std::to_string(i) + ": shape " + describe(v) +
           " has a dimension outside 1..65536 or exceeds 2^28 elements per sample");
    }
    const bool range_ok = std::isfinite(v.range) && v.range > 0 && (v.kind == ValueKind::kCodes || v.range == 1);
    if (!range_ok) {
      fail("value " + std::to_string(i) + ": range " + std::to_string(v.range) +
           (v.kind == ValueKind::kCodes ? " is not a finite positive number" : " on a float value (must be 1)"));
    }
    if (v.range != 1 && m.version_minor < 2) {
      fail("value " + std::to_string(i) + ": range " + std::to_string(v.range) + " needs format 1.2, the file says 1." +
           std::to_string(m.version_minor));
    }
  }
  for (size_t i = 0; i < m.tensors.size(); ++i) validate_tensor(m.tensors[i], i);
  const ValueInfo& v0 = m.values[0];
  if (v0.kind != ValueKind::kFloat || v0.channels != in.channels || v0.height != in.height || v0.width != in.width) {
    fail("value 0 must be the float input (" + std::to_string(in.channels) + ", " + std::to_string(in.height) + ", " +
         std::to_string(in.width) + "), is " + describe(v0));
  }
  std::vector<bool> defined(m.values.size(), false);
  defined[0] = true;
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const Node& n = m.nodes[i];
    const std::string where = "node " + std::to_string(i) + " (" + op_name(n.op) + "): ";
    for (uint32_t v : n.inputs) {
      if (v >= m.values.size() || !defined[v])
        fail(where + "input value " + std::to_string(v) + " is not defined before it");
    }
    for (uint32_t t : n.tensors) {
      if (t >= m.tensors.size())
        fail(where + "tensor " + std::to_string(t) + " does not exist (" + std::to_string(m.tensors.size()) +
             " tensors)");
    }
    if (n.output == 0 || n.output >= m.values.size() || defined[n.output]) {
      fail(where + "output value " + std::to_string(n.output) + " is out of range or already defined");
    }
    const ValueInfo want = ops::check_node(m, n, i);
    const ValueInfo& got = m.values[n.output];
    if (got.kind != want.kind || got.bits != want.bits || got.channels != want.channels || got.height != want.height ||
        got.width != want.width) {
      fail(where + "output value " + std::to_string(n.output) + " is declared " + describe(got) +
           " but the op produces " + describe(want));
    }
    // Range 0: the op writes codes of its own result, whose clip the value record gives.
    if (want.range != 0 && got.range != want.range) {
      fail(where + "output value " + std::to_string(n.output) + " is declared with range " + std::to_string(got.range) +
           " but the op passes on range " + std::to_string(want.range));
    }
    defined[n.output] = true;
  }
  for (size_t i = 0; i < defined.size(); ++i) {
    if (!defined[i]) fail("value " + std::to_string(i) + " is never produced");
  }
  // One float per class and image: the runtime hands back (C, 1, 1) values only.
  if (m.output >= m.values.size() || m.values[m.output].kind != ValueKind::kFloat || m.values[m.output].height != 1 ||
      m.values[m.output].width != 1) {
    fail("graph output " + std::to_string(m.output) + " must name a float value of shape (C, 1, 1)" +
         (m.output < m.values.size() ? ", is " + describe(m.values[m.output]) : std::string()));
  }
}

}  // namespace wrpn::runtime
