// Convolution on packed codes as im2col + packed GEMM, NHWC throughout:
//   input  [batch][in_h][in_w][in_c]   uint8 activation codes;
//   weight [out_c][kernel_h][kernel_w][in_c] int8 weight codes (OHWI; see reorder_oihw_to_ohwi);
//   output [batch][out_h][out_w][out_c] int32, codes or floats (the GEMM's N x M).
// GEMM view: M = out_c, N = batch * out_h * out_w, K = kernel_h * kernel_w * in_c, with
// k = (ky * kernel_w + kx) * in_c + c, so each im2col row is kernel_h runs of
// kernel_w * in_c contiguous input codes. Zero padding writes code 0, which is
// activation value 0 in WRPN, so padding is exact.
#pragma once

#include <cstdint>

#include "wrpn/kernels/gemm.h"

namespace wrpn::kernels {

struct ConvShape {
  int batch = 1;
  int in_h = 0, in_w = 0, in_c = 0;
  int out_c = 0;
  int kernel_h = 3, kernel_w = 3;
  int stride = 1;
  int pad = 0;  // zero padding on every side

  int out_h() const { return (in_h + 2 * pad - kernel_h) / stride + 1; }
  int out_w() const { return (in_w + 2 * pad - kernel_w) / stride + 1; }
  int gemm_m() const { return out_c; }
  int gemm_n() const { return batch * out_h() * out_w(); }
  int gemm_k() const { return kernel_h * kernel_w * in_c; }
  // Throws std::invalid_argument naming the offending field.
  void validate() const;
};

// im2col straight into the plan's packed format (byte rows; then bit-planes if the plan uses them).
PackedActivations im2col_pack(const GemmPlan& plan, const ConvShape& shape, const uint8_t* input_nhwc);
// The same into `out`, reusing its byte-row buffer when it is large enough (any earlier plan).
void im2col_pack_into(const GemmPlan& plan, const ConvShape& shape, const uint8_t* input_nhwc, PackedActivations& out);

// A whole integer convolution with the output transform fused: im2col rows are packed in
// blocks that stay in cache and multiplied block by block (the full im2col matrix is never
// written to memory), blocks spread over threads; out is NHWC (N x M). Validates the input.
void conv_requantize(const PackedWeights& w, const ConvShape& shape, const uint8_t* input_nhwc,
                     const RequantizeThresholds& th, uint8_t* out, int threads = 1);
void conv_dequantize(const PackedWeights& w, const ConvShape& shape, const uint8_t* input_nhwc,
                     const ChannelAffine& affine, float* out, int threads = 1);
// Bytes of packed im2col rows those calls hold (per-thread blocks, or one whole matrix).
size_t conv_scratch_bytes(const GemmPlan& plan, const ConvShape& shape, int threads);

// Packs OHWI weights for a convolution (a GEMM weight matrix of M = out_c rows of K codes).
PackedWeights pack_conv_weights(const GemmPlan& plan, const ConvShape& shape, const int8_t* weight_ohwi);

// PyTorch's OIHW layout to OHWI.
void reorder_oihw_to_ohwi(const int8_t* oihw, int out_c, int in_c, int kernel_h, int kernel_w, int8_t* ohwi);

// The oracle: direct convolution in plain loops, int32 NHWC output.
void conv2d_s32_ref(int weight_bits, int act_bits, const ConvShape& shape, const uint8_t* input_nhwc,
                    const int8_t* weight_ohwi, int32_t* out_nhwc);

}  // namespace wrpn::kernels
