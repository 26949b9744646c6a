#include "wrpn/runtime/ops/node_view.h"

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace wrpn::runtime {

std::string describe(const ValueInfo& v) {
  std::string range;
  if (v.kind == ValueKind::kCodes && v.range != 1.0f && v.range != 0.0f) {
    char text[32];
    std::snprintf(text, sizeof(text), " over [0, %g]", double(v.range));
    range = text;
  }
  return std::string(v.kind == ValueKind::kFloat ? "float" : "codes") + "/" + std::to_string(v.bits) + " (" +
         std::to_string(v.channels) + ", " + std::to_string(v.height) + ", " + std::to_string(v.width) + ")" + range;
}

std::string describe(TensorType type, int bits, const std::vector<int>& dims) {
  std::string s = std::string(type == TensorType::kFloat32 ? "float32" : "codes/" + std::to_string(bits)) + " (";
  for (size_t d = 0; d < dims.size(); ++d) s += (d ? ", " : "") + std::to_string(dims[d]);
  return s + ")";
}

namespace ops {

NodeView::NodeView(const ModelFile& model, const Node& node, size_t index) : m_(model), n_(node), index_(index) {}

void NodeView::fail(const std::string& what) const {
  throw std::runtime_error("node " + std::to_string(index_) + " (" + op_name(n_.op) + "): " + what);
}

int NodeView::attr(size_t k, const char* name, int lo, int hi) const {
  const int v = n_.attrs[k];
  require(v >= lo && v <= hi, std::string(name) + " = " + std::to_string(v) + " (attribute " + std::to_string(k) +
                                  ") outside " + std::to_string(lo) + ".." + std::to_string(hi));
  return v;
}

const TensorInfo& NodeView::tensor(size_t k, const char* name, TensorType type, int bits,
                                   const std::vector<int>& dims) const {
  const TensorInfo& t = raw_tensor(k);
  const std::string which = std::string(name) + " tensor " + std::to_string(n_.tensors[k]);
  const std::string want = describe(type, bits, dims);
  require(t.type == type && t.bits == bits, which + " is " + describe(t.type, t.bits, t.dims) + ", expected " + want);
  require(t.dims == dims, which + " has the wrong shape " + describe(t.type, t.bits, t.dims) + ", expected " + want);
  return t;
}

std::vector<float> NodeView::floats(size_t k) const {
  const TensorInfo& t = raw_tensor(k);
  std::vector<float> out(t.elements());
  std::memcpy(out.data(), t.data.data(), out.size() * sizeof(float));
  return out;
}

}  // namespace ops
}  // namespace wrpn::runtime
