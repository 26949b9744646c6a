// The full-precision side of the runtime: the float first/last layers (image in, logits
// out), output transforms, and element-wise helpers on NHWC activations. Plain loops that the
// compiler vectorises; these layers hold a small share of the network's MACs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wrpn/kernels/conv.h"
#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime {

// The real value of an activation code: code / (2^bits - 1), computed as the quantizer does.
inline float code_value(uint8_t code, float levels) { return float(code) / levels; }

// y -> output element, per OutMode (codes: the WRPN activation quantizer, half to even).
void write_outputs(const float* y, size_t count, OutMode mode, int out_bits, void* out);

// acc[n][m] = sum_k row_n[k] * w_t[k][m] for float im2col rows of a NHWC float input:
// w_t is the K x M transpose of the OHWI weights (K = kh * kw * in_c).
void conv2d_f32(const kernels::ConvShape& s, const float* input_nhwc, const float* w_t, float* acc);

// acc[row][ch] = acc[row][ch] * scale[ch] + bias[ch] (multiply, then add: no FMA).
void apply_channel_affine(float* acc, size_t rows, int m, const float* scale, const float* bias);

// acc[n][m] = sum_k x[n][k] * w_t[k][m].
void linear_f32(const float* x, int n, int k, const float* w_t, int m, float* acc);

// The real values of `count` elements of a value: its floats as they are, or its codes
// converted into `buffer` (grown to fit): code / (2^bits - 1) * range.
const float* real_values(const uint8_t* data, const ValueInfo& info, size_t count, std::vector<float>& buffer);

// The residual add of a float value and a code value into codes, in one pass: element for
// element the arithmetic of real_values(b), a + b, the division by out_range (skipped at 1)
// and write_outputs(kCodes), so the codes are those of the separate passes, bit for bit.
void add_float_codes_to_codes(const float* a, const uint8_t* b, const ValueInfo& b_info, float out_range, int out_bits,
                              size_t count, uint8_t* out);

}  // namespace wrpn::runtime
