#include "wrpn/nn/qrelu.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>
#include <limits>

#include "wrpn/quant/bits.h"
#include "wrpn/quant/quantizers.h"

namespace wrpn {
namespace nn {

QReLUImpl::QReLUImpl(QReLUOptions options_) : options(options_) { reset(); }

void QReLUImpl::reset() { quant::check_bits(options.bits(), "QReLU activation bits"); }

ClipCounts count_clipped(const torch::Tensor& x, double hi) {
  ClipCounts c;
  c.total = x.numel();
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat32) {
    c.below = (x < 0).sum().item<int64_t>();
    c.above = std::isfinite(hi) ? (x > hi).sum().item<int64_t>() : 0;
    return c;
  }
  const torch::Tensor xc = x.contiguous();
  const float* p = xc.data_ptr<float>();
  const float h = float(hi);
  std::atomic<int64_t> below{0}, above{0};
  at::parallel_for(0, xc.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
    int64_t lo_n = 0, hi_n = 0;  // a compare-and-add loop the compiler vectorises
    for (int64_t i = begin; i < end; ++i) {
      lo_n += p[i] < 0.0f;
      hi_n += p[i] > h;
    }
    below += lo_n;
    above += hi_n;
  });
  c.below = below;
  c.above = above;
  return c;
}

torch::Tensor QReLUImpl::forward(const torch::Tensor& x) {
  if (is_training() && torch::GradMode::is_enabled()) {
    clip_counts.add(
        count_clipped(x, quant::is_full_precision(options.bits()) ? std::numeric_limits<double>::infinity() : 1.0));
  }
  return quant::quantize_activations(x, options.bits());
}

void QReLUImpl::pretty_print(std::ostream& stream) const { stream << "wrpn::QReLU(abits=" << options.bits() << ")"; }

}  // namespace nn
}  // namespace wrpn
