#include "wrpn/quant/activation_range.h"

#include <algorithm>
#include <array>

#include "wrpn/quant/bits.h"

namespace wrpn {
namespace quant {

double mse_optimal_clip_sigmas(int bits) {
  check_bits(bits, "activation bits");
  // Minimised numerically (step 0.02) over the rectified unit Gaussian; docs/TRAINING.md.
  static constexpr std::array<double, 8> kClip = {1.22, 1.94, 2.46, 2.90, 3.26, 3.62, 3.94, 4.22};
  return is_full_precision(bits) ? 1.0 : kClip[size_t(bits - 1)];
}

double activation_clip_sigmas(int bits, double requested) {
  if (is_full_precision(bits)) return 1.0;
  if (requested > 0) return requested;
  // At 1 bit the clip is also the firing threshold (c / 2): at 2.90 sigma only 7% of the
  // units would ever fire, so the error-optimal clip (27% fire) serves better there.
  if (bits == 1) return mse_optimal_clip_sigmas(1);
  return std::max(mse_optimal_clip_sigmas(bits), kMinDefaultClipSigmas);
}

void init_batch_norm_scales(torch::nn::Module& model, double clip_sigmas) {
  torch::NoGradGuard no_grad;
  for (const auto& m : model.modules(/*include_self=*/true)) {
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get()); bn && bn->options.affine()) {
      bn->weight.fill_(1.0 / clip_sigmas);
    } else if (auto* bn1 = dynamic_cast<torch::nn::BatchNorm1dImpl*>(m.get()); bn1 && bn1->options.affine()) {
      bn1->weight.fill_(1.0 / clip_sigmas);
    }
  }
}

}  // namespace quant
}  // namespace wrpn
