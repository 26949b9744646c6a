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

#include <string>

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
  bool recompute_conv_outputs = true;
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

/// One line: what the settings do on this machine ("int8 forward on brgconv:...").
std::string matrix_units_status(const MatrixUnits& m);

}  // namespace nn
}  // namespace wrpn
