// PACT's activation quantizer (Choi et al., arXiv 1805.06085, section 2): a clip at a learned
// alpha per layer,
//
//   y = clamp(x, 0, alpha),   y_q = round(y (2^k - 1) / alpha) alpha / (2^k - 1)
//   dy_q/dx     = 1 for 0 <= x < alpha, else 0          (straight through the rounding)
//   dy_q/dalpha = 1 for x >= alpha, else 0               (the paper's equation 3)
//
// alpha starts at 10 and is L2-regularised (the paper's weight decay on alpha); PACT quantizes
// the weights with DoReFa's scheme (quant/dorefa.h). At deployment alpha is a scale only: it
// folds into the next layer's integer thresholds like WRPN's range.
#pragma once

#include <torch/torch.h>

namespace wrpn {
namespace quant {

/// The paper's initial clip.
constexpr double kPactInitialAlpha = 10.0;

/// PACT activations; `alpha` is a one-element tensor (the layer's learned clip, > 0: not
/// checked here, which would synchronise a GPU on every call).
/// bits 1..8, or 32 for clamp(x, 0, alpha) unrounded.
torch::Tensor pact_activations(const torch::Tensor& x, const torch::Tensor& alpha, int bits);

}  // namespace quant
}  // namespace wrpn
