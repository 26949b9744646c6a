// Where the activation quantizer's clip sits relative to the batch norm before it.
//
// The contract's quantizer clips to [0, 1] (../shared/WRPN.md). Batch norm hands it values
// of unit standard deviation, so with the usual initialisation (gamma = 1) the clip binds at
// 1 sigma: 16% of the inputs sit above it, carry no gradient and, on images whose colour or
// brightness shifts a whole map, lose all spatial structure. The gradient cannot undo this:
// gamma's gradient flows only through the unclipped inputs, so nothing tells it to shrink.
//
// wrpn therefore initialises every batch-norm scale of a network with quantized activations
// to 1 / c, so that at initialisation the clip sits at c standard deviations: the clip that
// minimises the quantization error of a rectified unit Gaussian at k bits, but at 2 and 3
// bits never below the 4-bit one (2.90 sigma, 0.19% of the inputs above it): there the
// error-optimal clip binds for 0.7-2.6% of the inputs, a clipped input passes no gradient,
// and 2-bit activations learn far slower than at 2.90 sigma (docs/TRAINING.md). At 1 bit
// the clip is also the firing threshold (c / 2), so the error-optimal 1.22 stays. A layer
// that reads these activations with no batch norm after it (a classifier) would then see
// inputs c times smaller than a ReLU network's and learn that much slower, so it scales its
// input by c (QConv2dOptions/QLinearOptions::input_scale, ModelSpec::activation_range()).
// The quantizer, its levels and the deployed integer arithmetic are untouched (batch norm
// folds into the integer thresholds, the input scale into the weight scale); c = 1 is the
// literal recipe.
#pragma once

#include <torch/torch.h>

namespace wrpn {
namespace quant {

/// argmin over c of E[(Q_c(x) - max(x, 0))^2], x ~ N(0, 1), Q_c the k-bit quantizer over
/// [0, c] (2^k levels): 1.22, 1.94, 2.46, 2.90, 3.26, 3.62, 3.94, 4.22 for k = 1..8.
double mse_optimal_clip_sigmas(int bits);

/// The lowest default clip: the 4-bit error-optimal one.
constexpr double kMinDefaultClipSigmas = 2.90;

/// The clip, in batch-norm standard deviations, for `bits`-bit activations: `requested`
/// when it is > 0, else max(mse_optimal_clip_sigmas(bits), kMinDefaultClipSigmas): 2.90 for
/// 2..4 bits, 3.26 .. 4.22 for 5..8; at 1 bit the error-optimal 1.22. 1 for 32 bits (a ReLU
/// has no clip).
double activation_clip_sigmas(int bits, double requested);

/// Sets the scale (gamma) of every affine BatchNorm1d/2d in `model` to 1 / clip.
void init_batch_norm_scales(torch::nn::Module& model, double clip_sigmas);

}  // namespace quant
}  // namespace wrpn
