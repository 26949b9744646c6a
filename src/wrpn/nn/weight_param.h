// How quantized layers hold their weights, and why.
//
// The WRPN weight quantizer clips to [-1, 1] and has levels 1/n apart (n = 7 at 4 bits).
// A standard (Kaiming) initialisation draws |w| ~ 1/sqrt(fan_in), around 0.01-0.1: nearly
// every weight rounds to 0, the network outputs a constant and never learns (the collapse
// Distiller users report). We therefore store each weight in the quantizer's own units:
//
//   effective weight = gain * Q(w),   w ~ U(-1, 1) at init,   gain = sqrt(6 / fan_in)
//
// so at init the effective weights are exactly Kaiming-uniform (ReLU gain) and the quantizer
// sees values spread over all its levels. The optimiser compensates for the constant gain
// (lr / gain^2 for SGD, lr / gain for Adam, weight decay * gain^2; see train/optimizer.h) so
// that, in full precision, training follows the same trajectory as the standard
// parametrisation. `WeightParam::Torch` keeps LibTorch's default instead, for comparison.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace wrpn {
namespace nn {

enum class WeightParam {
  Unit,   ///< weights in quantizer units, U(-1, 1) at init, a constant output gain (default)
  Torch,  ///< LibTorch's default init, gain 1: collapses to zero weights at low bit widths
};

/// Parses "unit" or "torch"; throws std::invalid_argument naming the value otherwise.
WeightParam parse_weight_param(const std::string& name);
std::string to_string(WeightParam param);

/// Initialises `weight` in place and returns the gain the layer multiplies it by.
double init_weight(torch::Tensor& weight, WeightParam param, int64_t fan_in);


/// What every quantized conv/linear layer exposes to generic code (optimiser groups, metrics,
/// `wrpn info`, export) without knowing its concrete type.
class QuantizedLayer {
 public:
  virtual ~QuantizedLayer() = default;
  /// Weight bits, 1..8 or 32.
  virtual int weight_bits() const = 0;
  /// The trainable weight in quantizer units.
  virtual const torch::Tensor& raw_weight() const = 0;
  /// The constant of the unit parametrisation (the optimiser's learning-rate rule uses it).
  virtual double weight_gain() const = 0;
  /// gain * input_scale * Q(weight): what the layer really computes with.
  virtual torch::Tensor effective_weight() const = 0;
  /// Multiply-accumulates per sample in the last forward pass (0 before any forward).
  virtual int64_t macs_per_sample() const = 0;
  /// Input and output shapes of the last forward pass, batch dimension included.
  virtual const std::vector<int64_t>& last_input_shape() const = 0;
  virtual const std::vector<int64_t>& last_output_shape() const = 0;
};

/// Number of channels after widening: round(channels * width), at least 1.
int64_t widen(int64_t channels, double width);

}  // namespace nn
}  // namespace wrpn
