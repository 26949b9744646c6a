// Keeping saved activations as packed k-bit codes instead of floats (training memory).
//
// A quantized activation is exactly code / (2^k - 1), so the backward pass can rebuild the
// very float it needs from k bits. The activation quantizer saves its clip mask as 1 bit per
// element and packs its output's codes in the same pass; conv and linear layers that consume
// quantized activations save those codes (max-pool saves only its window offsets,
// nn/packed_ops.h).
// On the CPU codes are bit-packed (1, 2, 4 or 8 bits each); on other devices (a CUDA LibTorch
// build) they are kept as uint8 through ATen ops.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace wrpn {
namespace quant {

/// Process-wide switch, on by default (no measurable step-time cost, docs/PERFORMANCE.md);
/// off saves floats as LibTorch does. It only acts on activations of k <= 8 bits.
bool packed_saving_enabled();
void set_packed_saving(bool enabled);

/// RAII: sets the switch for a scope.
class PackedSavingGuard {
 public:
  explicit PackedSavingGuard(bool enabled);
  ~PackedSavingGuard();

 private:
  bool previous_;
};

/// A saved activation: packed codes, or the float tensor itself when it was not on the grid.
struct SavedActivation {
  torch::Tensor data;  // packed codes (uint8) or the original float tensor
  std::vector<int64_t> sizes;
  int bits = 32;  // 32: `data` is the float tensor
  bool bit_packed = false;

  /// Packs x when it lies on the k-bit grid {0, 1/n, ..., 1}; otherwise keeps x. Reuses the
  /// codes quantize_saving_codes() remembered when x is its latest, unmodified output.
  static SavedActivation save(const torch::Tensor& x, int bits);
  /// The float tensor, bit-identical to the one saved.
  torch::Tensor restore() const;
  /// The codes one byte each in the saved shape, or undefined when the float was kept.
  torch::Tensor byte_codes() const;
};

/// x's activation codes one byte each (x's shape), or an undefined tensor when x is not on
/// the `bits`-bit grid or not a CPU float tensor: the u8 operand of an integer GEMM.
torch::Tensor byte_codes(const torch::Tensor& x, int bits);

/// The clamp's gradient mask (lo <= x <= hi), 1 bit per element on the CPU.
struct SavedMask {
  torch::Tensor data;
  std::vector<int64_t> sizes;
  bool bit_packed = false;

  static SavedMask save(const torch::Tensor& x, double lo, double hi);
  /// g where the mask is set, 0 elsewhere.
  torch::Tensor apply(const torch::Tensor& g) const;
};

/// The activation quantizer's forward with packed saving, fused: round(n * clamp(x, 0, 1)) / n
/// (the same bits as fake_quantize), its clip mask into `mask`, and its codes remembered, so
/// that the layers consuming the result (SavedActivation::save) take them instead of packing
/// the floats again. Needs a contiguous CPU float x that packs_in_one_pass() accepts.
torch::Tensor quantize_saving_codes(const torch::Tensor& x, int bits, SavedMask* mask);
bool packs_in_one_pass(const torch::Tensor& x);

}  // namespace quant
}  // namespace wrpn
