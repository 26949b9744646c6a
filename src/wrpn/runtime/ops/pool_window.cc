#include "wrpn/runtime/ops/pool_window.h"

namespace wrpn::runtime::ops {

std::vector<int32_t> PoolWindow::encode() const { return {kernel, stride, pad}; }

PoolWindow PoolWindow::decode(const NodeView& n) {
  PoolWindow w;
  w.kernel = n.attr(0, "kernel", 1, 64);
  w.stride = n.attr(1, "stride", 1, 64);
  w.pad = n.attr(2, "pad", 0, w.kernel / 2);
  return w;
}

ValueInfo PoolWindow::output(const ValueInfo& x, ValueKind kind, int bits) const {
  // Codes pooled as codes keep their range; floats have range 1.
  const float range = kind == ValueKind::kCodes ? x.range : 1.0f;
  return {kind, bits, x.channels, (x.height + 2 * pad - kernel) / stride + 1, (x.width + 2 * pad - kernel) / stride + 1,
          range};
}

void PoolWindow::check_fits(const NodeView& n, const ValueInfo& x) const {
  n.require(x.height + 2 * pad >= kernel && x.width + 2 * pad >= kernel,
            "kernel larger than the padded input " + describe(x));
}

}  // namespace wrpn::runtime::ops
