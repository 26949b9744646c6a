// LSQ, learned step size quantization (Esser et al., ICLR 2020, arXiv 1902.08153, section 2):
// one learned step s per layer for weights and one for activations,
//
//   v_q = round(clamp(v / s, -Q_N, Q_P)) s
//   activations (unsigned): Q_N = 0,           Q_P = 2^k - 1
//   weights (signed):       Q_N = 2^(k-1),     Q_P = 2^(k-1) - 1   (k >= 2)
//   dv_q/dv = 1 for -Q_N < v/s < Q_P, else 0
//   dv_q/ds = round(v/s) - v/s inside, -Q_N at or below, Q_P at or above  (equation 3)
//   s's gradient is scaled by g = 1 / sqrt(N Q_P), N the number of weights of the layer or of
//   features (activations per sample) it quantizes; s starts at 2 mean|v| / sqrt(Q_P).
//
// The codes round(clamp(v/s)) are integers: deployed, s is the layer's scale. 1-bit weights
// have no LSQ form (Q_P = 0) and are refused.
#pragma once

#include <torch/torch.h>

namespace wrpn {
namespace quant {

/// The integer range of a k-bit LSQ quantizer.
struct LsqRange {
  int64_t q_n = 0;  ///< codes >= -q_n
  int64_t q_p = 0;  ///< codes <= q_p
};

/// Q_N and Q_P for `bits` 1..8 (signed: 2..8). Throws std::invalid_argument otherwise.
LsqRange lsq_range(int bits, bool is_signed);

/// g = 1 / sqrt(n * Q_P).
double lsq_gradient_scale(int64_t n, int bits, bool is_signed);

/// The paper's initial step, 2 mean|v| / sqrt(Q_P), as a one-element tensor (no gradient).
torch::Tensor lsq_initial_step(const torch::Tensor& v, int bits, bool is_signed);

/// v_q with the gradients above; `step` is one element (> 0), `gradient_scale` is g.
torch::Tensor lsq_quantize(const torch::Tensor& v, const torch::Tensor& step, int bits, bool is_signed,
                           double gradient_scale);

}  // namespace quant
}  // namespace wrpn
