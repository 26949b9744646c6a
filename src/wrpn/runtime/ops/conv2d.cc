#include "wrpn/runtime/ops/conv2d.h"

#include <string>

#include "wrpn/runtime/ops/matmul.h"

namespace wrpn::runtime::ops {

std::vector<int32_t> Conv2dAttrs::encode() const {
  std::vector<int32_t> attrs = {out_c, kernel_h, kernel_w, stride, pad, weight_bits};
  act.encode(attrs);
  return attrs;
}

Conv2dAttrs Conv2dAttrs::decode(const NodeView& n) {
  Conv2dAttrs a;
  a.out_c = n.attr(0, "out_c", 1, 1 << 16);
  a.kernel_h = n.attr(1, "kernel_h", 1, 64);
  a.kernel_w = n.attr(2, "kernel_w", 1, 64);
  a.stride = n.attr(3, "stride", 1, 64);
  a.pad = n.attr(4, "pad", 0, 63);
  n.require(a.pad < a.kernel_h && a.pad < a.kernel_w, "pad " + std::to_string(a.pad) + " must be below kernel_h " +
                                                          std::to_string(a.kernel_h) + " and kernel_w " +
                                                          std::to_string(a.kernel_w));
  a.weight_bits = decode_weight_bits(n, 5);
  a.act = Activation::decode(n, 6);
  return a;
}

ValueInfo Conv2dAttrs::output(const ValueInfo& x) const {
  return act.value(out_c, (x.height + 2 * pad - kernel_h) / stride + 1, (x.width + 2 * pad - kernel_w) / stride + 1);
}

namespace {

ValueInfo check(const NodeView& n) {
  const Conv2dAttrs a = Conv2dAttrs::decode(n);
  const ValueInfo& x = n.input(0);
  n.require(x.height + 2 * a.pad >= a.kernel_h && x.width + 2 * a.pad >= a.kernel_w,
            "kernel larger than the padded input " + describe(x));
  check_weights(n, a.weight_bits, {a.out_c, a.kernel_h, a.kernel_w, x.channels});
  return a.output(x);
}

std::unique_ptr<PreparedOp> prepare(const NodeView& n) {
  const Conv2dAttrs a = Conv2dAttrs::decode(n);
  const ValueInfo& x = n.input(0);
  kernels::ConvShape s;
  s.in_h = x.height;
  s.in_w = x.width;
  s.in_c = x.channels;
  s.out_c = a.out_c;
  s.kernel_h = a.kernel_h;
  s.kernel_w = a.kernel_w;
  s.stride = a.stride;
  s.pad = a.pad;
  return prepare_matmul(n, s, a.weight_bits, a.act, /*spatial=*/true);
}

}  // namespace

const OpDefinition kConv2dDefinition{Op::kConv2d, "conv2d",          1,     Conv2dAttrs::kCount,
                                     3,           /*weighted=*/true, check, prepare};

}  // namespace wrpn::runtime::ops
