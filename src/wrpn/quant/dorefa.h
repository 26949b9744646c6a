// DoReFa-Net's quantizers (Zhou et al., arXiv 1606.06160, section 2), beside WRPN's:
//
//   quantize_k(r) = round((2^k - 1) r) / (2^k - 1),  r in [0, 1], straight-through gradient
//   weights, k >= 2:  w_q = 2 quantize_k(tanh(w) / (2 max|tanh(w)|) + 1/2) - 1
//   weights, k = 1:   w_q = mean|w| * sign(w),  sign(0) = +1
//   activations:      a_q = quantize_k(clamp(a, 0, 1))  (the paper's bounded activation)
//   32 bits: identity (activations: a plain ReLU).
//
// Unlike WRPN's, the k-bit weight levels are the 2^k values {-1, -1 + 2/n, ..., 1}, n = 2^k - 1:
// no zero, integer codes c in 0..n with w_q = (2c - n) / n. tanh and the max are
// differentiated as they are (the paper's gradient); only the rounding is straight through.
#pragma once

#include <torch/torch.h>

namespace wrpn {
namespace quant {

/// quantize_k of values already in [0, 1], with the straight-through gradient (dr_o/dr_i = 1).
torch::Tensor dorefa_quantize_unit(const torch::Tensor& r, int bits);

/// DoReFa weights; bits 1..8 or 32.
torch::Tensor dorefa_weights(const torch::Tensor& w, int bits);

/// DoReFa activations: clamp to [0, 1] (gradient 1 inside, 0 outside), then quantize_k;
/// 32 bits is a ReLU. The same values and gradient as WRPN's activation quantizer.
torch::Tensor dorefa_activations(const torch::Tensor& a, int bits);

}  // namespace quant
}  // namespace wrpn
