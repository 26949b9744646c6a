// What conv2d and linear share: the weight_bits attribute, the weight, scale and bias tensors
// with the int32 accumulator bound, and the prepared GEMM that picks the kernel tier once per
// node. A linear node is a 1x1 convolution of a 1x1 input with K channels.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "wrpn/kernels/conv.h"
#include "wrpn/runtime/ops/activation.h"
#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

// weight_bits at attribute `at`: 1..8 (weight codes) or 32 (float weights).
int decode_weight_bits(const NodeView& n, size_t at);

// Tensors 0..2: the weights of shape `dims` (out_c first, then K's factors) typed by
// weight_bits, scale and bias (out_c) float32; on the integer path (codes in, k-bit weights)
// also K * (2^k_a - 1) * n < 2^31, so the int32 accumulator cannot overflow.
void check_weights(const NodeView& n, int weight_bits, const std::vector<int>& dims);

// `spatial`: a conv2d, whose float path may go through oneDNN; otherwise the plain float loop.
std::unique_ptr<PreparedOp> prepare_matmul(const NodeView& n, const kernels::ConvShape& shape, int weight_bits,
                                           Activation act, bool spatial);

}  // namespace wrpn::runtime::ops
