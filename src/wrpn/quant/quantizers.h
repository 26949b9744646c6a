// The WRPN quantizers (../shared/WRPN.md is the contract) as differentiable LibTorch ops.
//
//   activations, k bits:  a_q = round(n * clamp(a, 0, 1)) / n,   n = 2^k - 1
//   weights, k >= 2:      w_q = round(n * clamp(w, -1, 1)) / n,  n = 2^(k-1) - 1
//   weights, k = 1:       w_q = alpha * sign(w), sign(0) = +1,   alpha = mean |w|
//   32 bits: identity (activations: a plain ReLU).
// round is half-to-even. Gradients are straight-through inside the clip range, zero outside.
#pragma once

#include <torch/torch.h>

namespace wrpn {
namespace quant {

/// Quantized activations with the straight-through gradient. bits = 32 is a ReLU.
torch::Tensor quantize_activations(const torch::Tensor& a, int bits);

/// Quantized weights with the straight-through gradient (zero where |w| > 1).
/// `per_channel` only matters for bits = 1: one alpha per output channel (dim 0).
torch::Tensor quantize_weights(const torch::Tensor& w, int bits, bool per_channel = false);

/// Quantized weights as integers: w_q * gain == codes * scales[o] exactly (up to the one
/// rounding of w_q itself), codes in -n..n (k >= 2) or -1/+1 (k = 1), scales one per tensor
/// or, for per-channel 1-bit alphas, one per output channel. The operands of an integer GEMM.
struct WeightCodes {
  torch::Tensor codes;   // int8, w's shape
  torch::Tensor scales;  // float, (1) or (out_channels)
};
/// From w_q = quantize_weights(w, bits, per_channel) (no gradient is taken).
WeightCodes weight_codes(const torch::Tensor& w_q, int bits, bool per_channel, double gain);

/// Forward value only (no autograd graph): clamp, scale, round, rescale in one pass.
torch::Tensor fake_quantize(const torch::Tensor& x, double lo, double hi, int64_t levels);

}  // namespace quant
}  // namespace wrpn
