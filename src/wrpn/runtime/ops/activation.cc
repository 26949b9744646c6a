#include "wrpn/runtime/ops/activation.h"

#include "wrpn/runtime/float_ops.h"

namespace wrpn::runtime::ops {

void Activation::encode(std::vector<int32_t>& attrs) const {
  attrs.push_back(int32_t(mode));
  attrs.push_back(bits);
}

Activation Activation::decode(const NodeView& n, size_t at) {
  Activation a;
  a.mode = OutMode(n.attr(at, "out_mode", 0, 2));
  a.bits = a.mode == OutMode::kCodes ? n.attr(at + 1, "out_bits", 1, 8) : n.attr(at + 1, "out_bits", 32, 32);
  return a;
}

ValueInfo Activation::value(int channels, int height, int width) const {
  // Codes of the op's own result: range 0 lets the value record give their clip.
  return mode == OutMode::kCodes ? ValueInfo{ValueKind::kCodes, bits, channels, height, width, /*range=*/0.0f}
                                 : ValueInfo{ValueKind::kFloat, 32, channels, height, width};
}

std::vector<int32_t> ActivationAttrs::encode() const {
  std::vector<int32_t> attrs;
  act.encode(attrs);
  return attrs;
}

ActivationAttrs ActivationAttrs::decode(const NodeView& n) { return {Activation::decode(n, 0)}; }

ValueInfo ActivationAttrs::output(const ValueInfo& x) const { return act.value(x.channels, x.height, x.width); }

void Activation::write(const float* y, size_t count, uint8_t* out) const { write_outputs(y, count, mode, bits, out); }

}  // namespace wrpn::runtime::ops
