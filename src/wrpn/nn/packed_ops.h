// Conv, linear and max-pool whose backward pass keeps their input as packed k-bit codes
// (quant/packed_saving.h) instead of a float tensor. The gradients are bit-identical to
// LibTorch's own ops: the backward calls the same ATen kernels on the restored input.
// With the switch off, at 32 input bits, or without gradients, they are the plain ops.
//
// Given the weights as integer codes (quant::weight_codes), conv and linear also run their
// forward as the exact integer GEMM of the codes on the matrix units, and the conv its
// backward in bf16, as nn/matrix_units.h sets.
#pragma once

#include <torch/torch.h>

#include "wrpn/quant/quantizers.h"

namespace wrpn {
namespace nn {

/// conv2d(x, weight, bias, stride, padding, dilation 1, groups); x holds `input_bits` codes.
torch::Tensor conv2d_saving_codes(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                  torch::IntArrayRef stride, torch::IntArrayRef padding, int64_t groups, int input_bits,
                                  const quant::WeightCodes* codes = nullptr);

/// linear(x, weight, bias) for 2-D x holding `input_bits` codes.
torch::Tensor linear_saving_codes(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                  int input_bits, const quant::WeightCodes* codes = nullptr);

/// True when x is the latest output of an int8-forward conv (training, recompute on,
/// nn/matrix_units.h), unchanged since: batch_norm_recomputing_input() can take it.
bool recomputable_conv_output(const torch::Tensor& x);

/// Training batch norm (batch statistics, running statistics updated with `momentum`; on
/// wrpn's kernels or LibTorch's as nn/batch_norm_training.h sets) of such a conv output, whose
/// backward recomputes that output from the conv's packed input codes (exact: the int8
/// forward is deterministic) instead of keeping it as floats. Gradients are bit-identical to
/// the same batch norm on the kept output.
torch::Tensor batch_norm_recomputing_input(const torch::Tensor& x, const torch::Tensor& weight,
                                           const torch::Tensor& bias, const torch::Tensor& running_mean,
                                           const torch::Tensor& running_var, double momentum, double eps);

/// max_pool2d(x, kernel, stride, padding) (stride 0: = kernel) that keeps, for the backward,
/// only each maximum's offset inside its window (a few bits), not x and int64 indices.
torch::Tensor max_pool2d_saving_codes(const torch::Tensor& x, int64_t kernel, int input_bits, int64_t stride = 0,
                                      int64_t padding = 0);

}  // namespace nn
}  // namespace wrpn
