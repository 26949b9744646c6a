// Output transforms applied to int32 GEMM accumulators, per output channel m:
//   float path:  y = float(acc) * scale[m] + bias[m]
//   codes path:  code = rne(clamp(float(acc) * scale[m] + bias[m], 0, 1) * (2^k_out - 1))
// The codes path is the next layer's WRPN activation quantizer applied to the
// folded batch norm; `requantize` reproduces it exactly with integer thresholds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wrpn::kernels {

// Per-channel affine map from accumulator to real value, folded from the
// weight scale, the activation step and an inference-mode batch norm.
struct ChannelAffine {
  std::vector<float> scale;  // multiplies float(acc); may be negative or zero
  std::vector<float> bias;
};

// Folds y = gamma * (x - mean) / sqrt(var + eps) + beta, where the conv output is
// x = acc * weight_scale[m] / (2^k_a - 1) (weight_scale includes the 1/n of the
// code; pass alpha for sign weights). Throws on size mismatch or var + eps <= 0.
ChannelAffine fold_batch_norm(const std::vector<float>& weight_scale, int act_bits, const std::vector<float>& gamma,
                              const std::vector<float>& beta, const std::vector<float>& mean,
                              const std::vector<float>& var, float eps);

// The float computation the thresholds replace, for one accumulator (the oracle).
uint8_t requantize_one_ref(int32_t acc, float scale, float bias, int out_bits);

// Oracle over a matrix: out[n * ldo + m] from acc[n * lda + m].
void requantize_ref(const ChannelAffine& affine, int out_bits, const int32_t* acc, size_t lda, int n, uint8_t* out,
                    size_t ldo);

// Integer thresholds equivalent to requantize_one_ref for every int32
// accumulator in [-kMaxAbsAccumulator, kMaxAbsAccumulator]: code =
// #{j : sign[m] * acc >= t[m][j]}. Found by binary search on the float
// function itself, so float rounding and round-half-to-even ties agree by
// construction; negative scales flip the sign, zero scales give a constant.
constexpr int32_t kMaxAbsAccumulator = 2147483646;  // 2^31 - 2: INT32_MAX means "never"

struct RequantizeThresholds {
  int out_bits = 0;
  int channels = 0;
  int levels = 0;                  // 2^out_bits - 1
  std::vector<int32_t> sign;       // +1, or -1 where scale < 0
  std::vector<int32_t> t;          // [channel][level], non-decreasing in level
  std::vector<float> scale, bias;  // the affine, for a first guess that the thresholds then correct
  // The vector guess y = fma(acc, guess_scale, guess_bias) (the affine times levels), clamped to
  // [0, levels]: a lane with |y - round(y)| <= fast_limit is farther from a rounding boundary than
  // the guess and the reference can differ, so round(y) is its code (requantize_kernels.cc).
  std::vector<float> guess_scale, guess_bias, fast_limit;
};

RequantizeThresholds make_requantize_thresholds(const ChannelAffine& affine, int out_bits);

// Optimised integer path: out[n * ldo + m] = code for acc[n * lda + m].
void requantize(const RequantizeThresholds& th, const int32_t* acc, size_t lda, int n, uint8_t* out, size_t ldo);

// Float output path (for the layer feeding the full-precision classifier):
// out[n * ldo + m] = float(acc) * scale[m] + bias[m].
void dequantize(const ChannelAffine& affine, const int32_t* acc, size_t lda, int n, float* out, size_t ldo);

// The WRPN activation quantizer on floats already in quantizer units (the float first
// layer's output after its folded batch norm): out[i] = rne(clamp(y[i], 0, 1) * (2^bits - 1)).
// Vectorised; the same IEEE operations in every lane and target, so results are identical.
void quantize_unit_floats(const float* y, size_t count, int bits, uint8_t* out);

namespace detail {
// Channels [m0, m1) only; acc and out point at channel 0 of their first row.
void requantize_channels(const RequantizeThresholds& th, const int32_t* acc, size_t lda, int n, int m0, int m1,
                         uint8_t* out, size_t ldo);
void dequantize_channels(const ChannelAffine& affine, const int32_t* acc, size_t lda, int n, int m0, int m1, float* out,
                         size_t ldo);
}  // namespace detail

}  // namespace wrpn::kernels
