// The FP32 baseline through LibTorch, measured in the same run as the kernels.
// Only this translation unit includes ATen; the kernel library never does.
#pragma once

#include <string>

#include "wrpn/kernels/conv.h"

namespace wrpn::bench {

// The layer's GEMM (M x K times K x N, N = batch * out_h * out_w) through oneDNN:
// the fastest of a 1x1 convolution over the output grid (plain, or with blocked
// operands) and an inner product. Debian's LibTorch links reference BLAS, so
// at::matmul would be a straw man; it is measured separately for the record.
double fp32_onednn_gemm_seconds(const wrpn::kernels::ConvShape& shape, int threads);
// at::matmul of the same shape (whatever BLAS this LibTorch links), for the record.
double fp32_matmul_seconds(int m, int n, int k, int threads);
// The convolution itself through oneDNN (NCHW, as LibTorch runs it).
double fp32_onednn_conv_seconds(const wrpn::kernels::ConvShape& shape, int threads);
// One line on the LibTorch build: oneDNN version, BLAS, ISA cap.
std::string fp32_backend_info();

}  // namespace wrpn::bench
