// How QConv2d and QLinear use the CPU's matrix units in training (docs/TRAINING.md,
// "Training on the matrix units"). Process-wide, like the packed-saving switch:
//  - int8 forward: a quantized layer's forward is the integer GEMM of its activation codes
//    (u8) by its weight codes (s8) through oneDNN (kernels/int8_conv_forward.h), exact, the
//    scales applied after; where oneDNN has no exact int8 implementation, the float conv.
//  - backward precision: fp32 (LibTorch's gradients, bit for bit) or bf16 (the conv's two
//    gradients from bf16 operands on AMX-BF16 through LibTorch's oneDNN: the codes are exact
//    in bf16, the incoming gradient is rounded to 8 significant bits).
//  - recompute conv outputs: batch norm keeps no float copy of its input, the int8 forward
//    runs again in backward (nn::BatchNorm2d, nn/packed_ops.h).
// On other devices (a CUDA LibTorch build) or without oneDNN both fall back to the plain ops.
#pragma once

#include <torch/torch.h>

#include <string>

#include "wrpn/quant/quantizers.h"

namespace wrpn {
namespace nn {

enum class BackwardPrecision { kFp32, kBf16 };

/// "fp32" | "bf16"; throws std::invalid_argument naming the value otherwise.
BackwardPrecision parse_backward_precision(const std::string& text);
std::string to_string(BackwardPrecision p);

struct MatrixUnits {
  bool int8_forward = true;
  BackwardPrecision backward = BackwardPrecision::kFp32;
  /// With the int8 forward: batch norm's backward recomputes its input (the conv output)
  /// from the conv's packed input codes instead of keeping it as floats (training memory).
  /// Off by default: it costs 17-38% of the step time (docs/PERFORMANCE.md).
  bool recompute_conv_outputs = false;
};

MatrixUnits matrix_units();
void set_matrix_units(const MatrixUnits& m);

/// RAII: sets them for a scope.
class MatrixUnitsGuard {
 public:
  explicit MatrixUnitsGuard(const MatrixUnits& m);
  ~MatrixUnitsGuard();

 private:
  MatrixUnits previous_;
};

/// A quantized layer's effective weight, quantize_weights(weight) * gain, and, when the int8
/// forward applies to input x (k_w, k_a <= 8, a CPU tensor, oneDNN built), its integer codes
/// in `int8`, with `codes` pointing at them (left null otherwise).
torch::Tensor effective_weight_and_codes(const torch::Tensor& weight, int weight_bits, bool per_channel, double gain,
                                         int input_bits, const torch::Tensor& x, quant::WeightCodes* int8,
                                         const quant::WeightCodes** codes);

/// One line: what the settings do on this machine ("int8 forward on brgconv:...").
std::string matrix_units_status(const MatrixUnits& m);

}  // namespace nn
}  // namespace wrpn
