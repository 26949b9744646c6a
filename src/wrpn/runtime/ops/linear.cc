#include "wrpn/runtime/ops/linear.h"

#include <string>

#include "wrpn/runtime/ops/matmul.h"

namespace wrpn::runtime::ops {

std::vector<int32_t> LinearAttrs::encode() const {
  std::vector<int32_t> attrs = {out_features, weight_bits};
  act.encode(attrs);
  return attrs;
}

LinearAttrs LinearAttrs::decode(const NodeView& n) {
  LinearAttrs a;
  a.out_features = n.attr(0, "out_features", 1, 1 << 16);
  a.weight_bits = decode_weight_bits(n, 1);
  a.act = Activation::decode(n, 2);
  return a;
}

ValueInfo LinearAttrs::output(const ValueInfo&) const { return act.value(out_features, 1, 1); }

namespace {

ValueInfo check(const NodeView& n) {
  const LinearAttrs a = LinearAttrs::decode(n);
  const ValueInfo& x = n.input(0);
  n.require(x.elements() <= (size_t(1) << 16), "input of " + std::to_string(x.elements()) + " features exceeds 65536");
  check_weights(n, a.weight_bits, {a.out_features, int(x.elements())});
  return a.output(x);
}

std::unique_ptr<PreparedOp> prepare(const NodeView& n) {
  const LinearAttrs a = LinearAttrs::decode(n);
  kernels::ConvShape s;  // a 1x1 convolution of one pixel with K channels
  s.in_h = s.in_w = 1;
  s.in_c = int(n.input(0).elements());
  s.out_c = a.out_features;
  s.kernel_h = s.kernel_w = 1;
  s.stride = 1;
  s.pad = 0;
  return prepare_matmul(n, s, a.weight_bits, a.act, /*spatial=*/false);
}

}  // namespace

const OpDefinition kLinearDefinition{Op::kLinear, "linear",          1,     LinearAttrs::kCount,
                                     3,           /*weighted=*/true, check, prepare};

}  // namespace wrpn::runtime::ops
