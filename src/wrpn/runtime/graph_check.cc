#include "wrpn/runtime/graph_check.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "wrpn/runtime/tensor_check.h"

namespace wrpn::runtime {
namespace {

std::string str(const ValueInfo& v) {
  return std::string(v.kind == ValueKind::kFloat ? "float" : "codes") + "/" + std::to_string(v.bits) + " (" +
         std::to_string(v.channels) + ", " + std::to_string(v.height) + ", " + std::to_string(v.width) + ")";
}

std::string str(TensorType type, int bits, const std::vector<int>& dims) {
  std::string s = std::string(type == TensorType::kFloat32 ? "float32" : "codes/" + std::to_string(bits)) + " (";
  for (size_t d = 0; d < dims.size(); ++d) s += (d ? ", " : "") + std::to_string(dims[d]);
  return s + ")";
}

// Checks one node and returns the value it must produce.
class NodeCheck {
 public:
  NodeCheck(const ModelFile& m, size_t index) : m_(m), n_(m.nodes[index]), index_(index) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("node " + std::to_string(index_) + " (" + op_name(n_.op) + "): " + what);
  }
  void require(bool ok, const std::string& what) const {
    if (!ok) fail(what);
  }
  // Exact counts: format 1.0 has no optional or trailing attributes (docs/FORMAT.md, "Versions").
  void arity(size_t inputs, size_t attrs, size_t tensors) const {
    require(n_.inputs.size() == inputs, "expects " + std::to_string(inputs) + " inputs, has " + std::to_string(n_.inputs.size()));
    require(n_.attrs.size() == attrs, "expects " + std::to_string(attrs) + " attributes, has " +
                                          std::to_string(n_.attrs.size()) + " (format 1.0 defines no others)");
    require(n_.tensors.size() == tensors, "expects " + std::to_string(tensors) + " tensors, has " + std::to_string(n_.tensors.size()));
  }
  const ValueInfo& in(size_t k) const { return m_.values[n_.inputs[k]]; }
  int attr(size_t k, const char* name, int lo, int hi) const {
    const int v = n_.attrs[k];
    require(v >= lo && v <= hi, std::string(name) + " = " + std::to_string(v) + " (attribute " + std::to_string(k) + ") outside " +
                                    std::to_string(lo) + ".." + std::to_string(hi));
    return v;
  }
  // Its content (finite floats, code range) was checked with the tensor table.
  const TensorInfo& tensor(size_t k, const char* name, TensorType type, int bits, std::vector<int> dims) const {
    const TensorInfo& t = m_.tensors[n_.tensors[k]];
    const std::string which = std::string(name) + " tensor " + std::to_string(n_.tensors[k]);
    require(t.type == type && t.bits == bits, which + " is " + str(t.type, t.bits, t.dims) + ", expected " + str(type, bits, dims));
    require(t.dims == dims, which + " has the wrong shape " + str(t.type, t.bits, t.dims) + ", expected " + str(type, bits, dims));
    return t;
  }
  // out_mode and out_bits at attrs[k], attrs[k + 1] -> the output's kind and bits.
  ValueInfo output_of_mode(size_t k, int c, int h, int w) const {
    const int mode = attr(k, "out_mode", 0, 2);
    ValueInfo v{ValueKind::kFloat, 32, c, h, w};
    if (OutMode(mode) == OutMode::kCodes) {
      v.kind = ValueKind::kCodes;
      v.bits = attr(k + 1, "out_bits", 1, 8);
    } else {
      attr(k + 1, "out_bits", 32, 32);
    }
    return v;
  }
  void weights(size_t at, int weight_bits, std::vector<int> dims, int out_c) const {
    require(weight_bits == 32 || (weight_bits >= 1 && weight_bits <= 8),
            "weight_bits = " + std::to_string(weight_bits) + " (attribute " + std::to_string(at) + ") is not 1..8 or 32");
    tensor(0, "weight", weight_bits == 32 ? TensorType::kFloat32 : TensorType::kSignedCodes, weight_bits, dims);
    tensor(1, "scale", TensorType::kFloat32, 32, {out_c});
    tensor(2, "bias", TensorType::kFloat32, 32, {out_c});
    // The integer path accumulates in int32: the worst case must fit.
    if (in(0).kind == ValueKind::kCodes && weight_bits <= 8) {
      int64_t k = 1;
      for (size_t d = 1; d < dims.size(); ++d) k *= dims[d];
      const int64_t n = weight_bits == 1 ? 1 : (int64_t(1) << (weight_bits - 1)) - 1;
      const int64_t worst = k * ((int64_t(1) << in(0).bits) - 1) * n;
      require(worst < (int64_t(1) << 31), "int32 accumulator could overflow: K = " + std::to_string(k) + " taps x " +
                                              std::to_string((1 << in(0).bits) - 1) + " x " + std::to_string(n) + " = " +
                                              std::to_string(worst) + " >= 2^31");
    }
  }

  ValueInfo expected() const {
    switch (n_.op) {
      case Op::kConv2d: {
        arity(1, 8, 3);
        const ValueInfo& x = in(0);
        const int out_c = attr(0, "out_c", 1, 1 << 16);
        const int kh = attr(1, "kernel_h", 1, 64), kw = attr(2, "kernel_w", 1, 64);
        const int stride = attr(3, "stride", 1, 64), pad = attr(4, "pad", 0, 63);
        require(pad < kh && pad < kw, "pad " + std::to_string(pad) + " must be below kernel_h " + std::to_string(kh) +
                                          " and kernel_w " + std::to_string(kw));
        require(x.height + 2 * pad >= kh && x.width + 2 * pad >= kw, "kernel larger than the padded input " + str(x));
        weights(5, n_.attrs[5], {out_c, kh, kw, x.channels}, out_c);
        return output_of_mode(6, out_c, (x.height + 2 * pad - kh) / stride + 1, (x.width + 2 * pad - kw) / stride + 1);
      }
      case Op::kLinear: {
        arity(1, 4, 3);
        const int out = attr(0, "out_features", 1, 1 << 16);
        require(in(0).elements() <= (size_t(1) << 16), "input of " + std::to_string(in(0).elements()) + " features exceeds 65536");
        weights(1, n_.attrs[1], {out, int(in(0).elements())}, out);
        return output_of_mode(2, out, 1, 1);
      }
      case Op::kMaxPool: {
        arity(1, 3, 0);
        const ValueInfo& x = in(0);
        const int k = attr(0, "kernel", 1, 64), stride = attr(1, "stride", 1, 64), pad = attr(2, "pad", 0, k / 2);
        require(x.height + 2 * pad >= k && x.width + 2 * pad >= k, "kernel larger than the padded input " + str(x));
        ValueInfo v = x;
        v.height = (x.height + 2 * pad - k) / stride + 1;
        v.width = (x.width + 2 * pad - k) / stride + 1;
        return v;
      }
      case Op::kGlobalAvgPool:
        arity(1, 0, 0);
        return {ValueKind::kFloat, 32, in(0).channels, 1, 1};
      case Op::kAdd: {
        arity(2, 2, 0);
        const ValueInfo &a = in(0), &b = in(1);
        require(a.channels == b.channels && a.height == b.height && a.width == b.width,
                "operand shapes differ: " + str(a) + " and " + str(b));
        return output_of_mode(0, a.channels, a.height, a.width);
      }
      case Op::kShortcutA: {
        arity(1, 3, 0);
        const ValueInfo& x = in(0);
        const int stride = attr(0, "stride", 1, 64);
        const int before = attr(1, "pad_before", 0, 1 << 16), after = attr(2, "pad_after", 0, 1 << 16);
        require(int64_t(x.channels) + before + after <= (1 << 16),
                "output of " + std::to_string(int64_t(x.channels) + before + after) + " channels exceeds 65536");
        ValueInfo v = x;
        v.channels = x.channels + before + after;
        v.height = (x.height + stride - 1) / stride;
        v.width = (x.width + stride - 1) / stride;
        return v;
      }
      case Op::kFlatten: {
        arity(1, 0, 0);
        ValueInfo v = in(0);
        require(v.elements() <= (size_t(1) << 16), "flattening " + std::to_string(v.elements()) + " features exceeds 65536");
        v.channels = int(v.elements());
        v.height = v.width = 1;
        return v;
      }
      case Op::kSoftmax:
        arity(1, 0, 0);
        require(in(0).kind == ValueKind::kFloat && in(0).height == 1 && in(0).width == 1, "input must be float (C, 1, 1), is " + str(in(0)));
        return in(0);
      case Op::kChannelAffine: {
        arity(1, 2, 2);
        const ValueInfo& x = in(0);
        tensor(0, "scale", TensorType::kFloat32, 32, {x.channels});
        tensor(1, "bias", TensorType::kFloat32, 32, {x.channels});
        return output_of_mode(0, x.channels, x.height, x.width);
      }
    }
    fail("unknown op " + std::to_string(uint32_t(n_.op)));
  }

 private:
  const ModelFile& m_;
  const Node& n_;
  size_t index_;
};

}  // namespace

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
  if (in.scale.size() != size_t(in.channels) || in.shift.size() != size_t(in.channels)) fail("input normalisation needs one scale and shift per channel");
  for (int c = 0; c < in.channels; ++c) {
    if (!std::isfinite(in.scale[c]) || !std::isfinite(in.shift[c])) fail("input normalisation of channel " + std::to_string(c) + " is not finite");
  }
  if (m.values.empty()) fail("the graph has no values");
  for (size_t i = 0; i < m.values.size(); ++i) {
    const ValueInfo& v = m.values[i];
    const bool bits_ok = v.kind == ValueKind::kFloat ? v.bits == 32 : (v.bits >= 1 && v.bits <= 8);
    if (!bits_ok) fail("value " + std::to_string(i) + ": " + std::to_string(v.bits) + " bits is not valid for its kind");
    if (!dim_ok(v.channels) || !dim_ok(v.height) || !dim_ok(v.width) || v.elements() > kMaxValueElements) {
      fail("value " + std::to_string(i) + ": shape " + str(v) + " has a dimension outside 1..65536 or exceeds 2^28 elements per sample");
    }
  }
  for (size_t i = 0; i < m.tensors.size(); ++i) validate_tensor(m.tensors[i], i);
  const ValueInfo& v0 = m.values[0];
  if (v0.kind != ValueKind::kFloat || v0.channels != in.channels || v0.height != in.height || v0.width != in.width) {
    fail("value 0 must be the float input (" + std::to_string(in.channels) + ", " + std::to_string(in.height) + ", " +
         std::to_string(in.width) + "), is " + str(v0));
  }
  std::vector<bool> defined(m.values.size(), false);
  defined[0] = true;
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const Node& n = m.nodes[i];
    const std::string where = "node " + std::to_string(i) + " (" + op_name(n.op) + "): ";
    for (uint32_t v : n.inputs) {
      if (v >= m.values.size() || !defined[v]) fail(where + "input value " + std::to_string(v) + " is not defined before it");
    }
    for (uint32_t t : n.tensors) {
      if (t >= m.tensors.size()) fail(where + "tensor " + std::to_string(t) + " does not exist (" + std::to_string(m.tensors.size()) + " tensors)");
    }
    if (n.output == 0 || n.output >= m.values.size() || defined[n.output]) {
      fail(where + "output value " + std::to_string(n.output) + " is out of range or already defined");
    }
    const ValueInfo want = NodeCheck(m, i).expected();
    const ValueInfo& got = m.values[n.output];
    if (got.kind != want.kind || got.bits != want.bits || got.channels != want.channels || got.height != want.height ||
        got.width != want.width) {
      fail(where + "output value " + std::to_string(n.output) + " is declared " + str(got) + " but the op produces " + str(want));
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
         (m.output < m.values.size() ? ", is " + str(m.values[m.output]) : std::string()));
  }
}

}  // namespace wrpn::runtime
