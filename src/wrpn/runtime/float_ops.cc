#include "wrpn/runtime/float_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/output_transform.h"

namespace wrpn::runtime {

// Cloned per ISA like linear_f32: the first layer's codes are written here for every pixel.
__attribute__((target_clones("avx512f", "avx2", "default"))) void write_outputs(const float* y, size_t count,
                                                                                OutMode mode, int out_bits, void* out) {
  if (mode == OutMode::kCodes) {
    kernels::quantize_unit_floats(y, count, out_bits, static_cast<uint8_t*>(out));
    return;
  }
  auto* f = static_cast<float*>(out);
  if (mode == OutMode::kRelu) {
    for (size_t i = 0; i < count; ++i) f[i] = std::max(y[i], 0.0f);
  } else if (f != y) {
    std::memcpy(f, y, count * sizeof(float));
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void apply_channel_affine(float* acc, size_t rows, int m,
                                                                                       const float* scale,
                                                                                       const float* bias) {
  for (size_t row = 0; row < rows; ++row) {
    float* r = acc + row * size_t(m);
    for (int ch = 0; ch < m; ++ch) r[ch] = r[ch] * scale[ch] + bias[ch];
  }
}

// Compiled for AVX-512, AVX2 and baseline, picked at load time; the same element-wise
// multiply-then-add in every version (no FMA contraction in ISO C++ mode), so results are identical.
__attribute__((target_clones("avx512f", "avx2", "default"))) void linear_f32(const float* x, int n, int k,
                                                                             const float* w_t, int m, float* acc) {
  for (int row = 0; row < n; ++row) {
    float* out = acc + size_t(row) * m;
    std::fill(out, out + m, 0.0f);
    const float* a = x + size_t(row) * k;
    for (int j = 0; j < k; ++j) {
      const float aj = a[j];
      const float* w = w_t + size_t(j) * m;
      for (int i = 0; i < m; ++i) out[i] += aj * w[i];  // axpy over outputs: vectorises, no reassociation
    }
  }
}

void conv2d_f32(const kernels::ConvShape& s, const float* input, const float* w_t, float* acc) {
  const int oh = s.out_h(), ow = s.out_w(), k = s.gemm_k();
  // The whole im2col matrix first, then one GEMM call: per-row calls cost more than the
  // 9-tap rows of a first layer compute.
  thread_local std::vector<float> rows;
  rows.assign(size_t(s.gemm_n()) * size_t(k), 0.0f);
  float* row = rows.data();
  for (int b = 0; b < s.batch; ++b)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox, row += k) {
        for (int ky = 0; ky < s.kernel_h; ++ky) {
          const int iy = oy * s.stride - s.pad + ky;
          if (iy < 0 || iy >= s.in_h) continue;
          for (int kx = 0; kx < s.kernel_w; ++kx) {
            const int ix = ox * s.stride - s.pad + kx;
            if (ix < 0 || ix >= s.in_w) continue;
            std::memcpy(row + (size_t(ky) * s.kernel_w + kx) * s.in_c,
                        input + ((size_t(b) * s.in_h + iy) * s.in_w + ix) * s.in_c, size_t(s.in_c) * sizeof(float));
          }
        }
      }
  linear_f32(rows.data(), s.gemm_n(), k, w_t, s.out_c, acc);
}

const float* real_values(const uint8_t* data, const ValueInfo& info, size_t count, std::vector<float>& buffer) {
  if (info.kind == ValueKind::kFloat) return reinterpret_cast<const float*>(data);
  if (buffer.size() < count) buffer.resize(count);
  const float levels = float(kernels::act_code_max(info.bits));
  for (size_t i = 0; i < count; ++i) buffer[i] = code_value(data[i], levels);
  if (info.range != 1.0f) {
    for (size_t i = 0; i < count; ++i) buffer[i] *= info.range;
  }
  return buffer.data();
}

namespace {

// The branches on the two ranges are template arguments so the loop vectorises; the sums of
// one L1-sized block go through quantize_unit_floats, the quantizer's one implementation.
template <bool kScaleB, bool kDivide>
__attribute__((always_inline)) inline void add_float_codes_block(const float* __restrict a,
                                                                 const uint8_t* __restrict b, float b_levels,
                                                                 float b_range, float out_range, size_t count,
                                                                 float* __restrict sum) {
  for (size_t i = 0; i < count; ++i) {
    float bv = code_value(b[i], b_levels);
    if (kScaleB) bv *= b_range;
    float s = a[i] + bv;
    if (kDivide) s /= out_range;
    sum[i] = s;
  }
}

}  // namespace

__attribute__((target_clones("avx512f", "avx2", "default"))) void add_float_codes_to_codes(
    const float* a, const uint8_t* b, const ValueInfo& b_info, float out_range, int out_bits, size_t count,
    uint8_t* out) {
  const float b_levels = float(kernels::act_code_max(b_info.bits)), br = b_info.range;
  const bool scale_b = br != 1.0f, divide = out_range != 1.0f;
  constexpr size_t kBlock = 1024;
  alignas(64) float sum[kBlock];
  for (size_t i0 = 0; i0 < count; i0 += kBlock) {
    const size_t n = std::min(kBlock, count - i0);
    const float* ai = a + i0;
    const uint8_t* bi = b + i0;
    if (scale_b && divide) {
      add_float_codes_block<true, true>(ai, bi, b_levels, br, out_range, n, sum);
    } else if (scale_b) {
      add_float_codes_block<true, false>(ai, bi, b_levels, br, out_range, n, sum);
    } else if (divide) {
      add_float_codes_block<false, true>(ai, bi, b_levels, br, out_range, n, sum);
    } else {
      add_float_codes_block<false, false>(ai, bi, b_levels, br, out_range, n, sum);
    }
    kernels::quantize_unit_floats(sum, n, out_bits, out + i0);
  }
}

}  // namespace wrpn::runtime
