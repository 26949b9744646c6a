#include "wrpn/nn/qrelu.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "wrpn/quant/bits.h"
#include "wrpn/quant/lsq.h"
#include "wrpn/quant/pact.h"
#include "wrpn/quant/quantizers.h"

namespace wrpn {
namespace nn {

QReLUImpl::QReLUImpl(QReLUOptions options_) : options(options_) { reset(); }

void QReLUImpl::reset() {
  quant::check_bits(options.bits(), "QReLU activation bits");
  if (quant::is_full_precision(options.bits())) return;  // a ReLU under every scheme
  if (options.scheme() == quant::Scheme::Pact) {
    alpha = register_parameter("alpha", torch::full({1}, quant::kPactInitialAlpha));
  } else if (options.scheme() == quant::Scheme::Lsq) {
    step = register_parameter("step", torch::ones({1}));
    step_initialised = register_buffer("step_initialised", torch::zeros({1}));
  }
}

void QReLUImpl::set_bits(int bits) {
  quant::check_bits(bits, "QReLU activation bits");
  options.bits(bits);
  const bool ranged = !quant::is_full_precision(bits);
  if (options.scheme() == quant::Scheme::Pact) {
    torch::Tensor* kept = named_parameters(/*recurse=*/false).find("alpha");
    if (ranged && !kept) alpha = register_parameter("alpha", torch::full({1}, quant::kPactInitialAlpha));
    if (kept) {
      kept->set_requires_grad(ranged);
      alpha = ranged ? *kept : torch::Tensor();
    }
  } else if (options.scheme() == quant::Scheme::Lsq) {
    torch::Tensor* kept = named_parameters(/*recurse=*/false).find("step");
    if (ranged && !kept) {
      step = register_parameter("step", torch::ones({1}));
      step_initialised = register_buffer("step_initialised", torch::zeros({1}));
    }
    if (kept) {
      kept->set_requires_grad(ranged);
      step = ranged ? *kept : torch::Tensor();
      step_initialised.fill_(0);  // set again from the first batch, for these bits
    }
  }
}

double QReLUImpl::clip_value() const {
  if (quant::is_full_precision(options.bits())) return std::numeric_limits<double>::infinity();
  if (alpha.defined()) return alpha.item<double>();
  if (step.defined()) return step.item<double>() * double(quant::lsq_range(options.bits(), false).q_p);
  return 1.0;
}

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
  const bool training = is_training() && torch::GradMode::is_enabled();
  if (step.defined() && training && step_initialised.item<float>() == 0) {
    const torch::NoGradGuard no_grad;
    step.copy_(quant::lsq_initial_step(x, options.bits(), /*is_signed=*/false));
    step_initialised.fill_(1);
  }
  if (training) clip_counts.add(count_clipped(x, clip_value()));
  if (alpha.defined()) return quant::pact_activations(x, alpha, options.bits());
  if (step.defined()) {
    // g = 1 / sqrt(N_F Q_P), N_F the features of one sample.
    const int64_t features = x.dim() > 0 && x.size(0) > 0 ? x.numel() / x.size(0) : 1;
    return quant::lsq_quantize(x, step, options.bits(), /*is_signed=*/false,
                               quant::lsq_gradient_scale(std::max<int64_t>(features, 1), options.bits(), false));
  }
  return quant::quantize_activations(x, options.bits());
}

void QReLUImpl::pretty_print(std::ostream& stream) const {
  stream << "wrpn::QReLU(abits=" << options.bits();
  if (options.scheme() != quant::Scheme::Wrpn) stream << ", " << quant::to_string(options.scheme());
  stream << ")";
}

}  // namespace nn
}  // namespace wrpn
