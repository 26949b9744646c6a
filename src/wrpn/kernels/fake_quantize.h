// Element-wise WRPN quantizers on raw float arrays: the single definition of the rounding
// rule shared by training (through a LibTorch adapter) and the inference engine.
// No LibTorch here: pointers and counts only.
#pragma once

#include <cstddef>

namespace wrpn {
namespace kernels {

/// out[i] = nearbyint(levels * clamp(x[i], lo, hi)) / levels, round-half-to-even, one pass.
/// Activations: lo = 0, hi = 1, levels = 2^k - 1. Weights (k >= 2): lo = -1, hi = 1,
/// levels = 2^(k-1) - 1. `out` may alias `x`.
void fake_quantize(const float* x, float* out, std::size_t count, float lo, float hi, float levels);

/// Straight-through gradient of a clamp to [lo, hi]: grad_in[i] = (lo <= x[i] <= hi) ? g[i] : 0.
/// `grad_in` may alias `g`.
void ste_clamp_grad(const float* x, const float* g, float* grad_in, std::size_t count, float lo, float hi);

/// Scalar twins of the two kernels above: the oracle the SIMD versions are tested against.
void fake_quantize_ref(const float* x, float* out, std::size_t count, float lo, float hi, float levels);
void ste_clamp_grad_ref(const float* x, const float* g, float* grad_in, std::size_t count, float lo, float hi);

}  // namespace kernels
}  // namespace wrpn
