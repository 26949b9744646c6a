// QLinear: a fully connected layer whose weights pass through the WRPN weight quantizer.
#pragma once

#include <torch/torch.h>

#include "wrpn/nn/weight_param.h"
#include "wrpn/quant/quantizers.h"
#include "wrpn/quant/scheme.h"

namespace wrpn {
namespace nn {

struct QLinearOptions {
  QLinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}

  /// Input features.
  TORCH_ARG(int64_t, in_features);
  /// Output features.
  TORCH_ARG(int64_t, out_features);
  /// Learnable bias (in effective units). Default true.
  TORCH_ARG(bool, bias) = true;
  /// Weight bits: 1..8, or 32 for full precision. Default 32.
  TORCH_ARG(int, weight_bits) = 32;
  /// 1-bit weights only: one alpha per output feature instead of per layer. Default false.
  TORCH_ARG(bool, per_channel_alpha) = false;
  /// Bits of the input activations (1..8: the training backward keeps the input as packed
  /// codes, see quant/packed_saving.h; 32: a float input such as the image). Default 32.
  TORCH_ARG(int, input_bits) = 32;
  /// Weight parametrisation (see weight_param.h). Default Unit.
  TORCH_ARG(WeightParam, weight_param) = WeightParam::Unit;
  /// The quantizer of its weights and of the activations it reads (quant/scheme.h). Default
  /// WRPN's.
  TORCH_ARG(quant::Scheme, scheme) = quant::Scheme::Wrpn;
  /// The real value of one unit of the input. A layer that reads quantized activations (in
  /// [0, 1]) whose batch norm was initialised to 1 / c, and has no batch norm after it, takes
  /// c (ModelSpec::activation_range()), so that it sees them at the scale a ReLU gives.
  /// Default 1.
  TORCH_ARG(double, input_scale) = 1.0;
};

class QLinearImpl : public torch::nn::Cloneable<QLinearImpl>, public QuantizedLayer {
 public:
  QLinearImpl(int64_t in_features, int64_t out_features) : QLinearImpl(QLinearOptions(in_features, out_features)) {}
  explicit QLinearImpl(QLinearOptions options);

  void reset() override;
  /// Weight bits set after construction (models/layer_bits.h); the weights are kept.
  void set_weight_bits(int bits);
  void pretty_print(std::ostream& stream) const override;

  /// x (N, in_features) -> (N, out_features)
  torch::Tensor forward(const torch::Tensor& x);

  int weight_bits() const override { return options.weight_bits(); }
  const torch::Tensor& raw_weight() const override { return weight; }
  double weight_gain() const override { return gain_; }
  torch::Tensor effective_weight() const override;
  /// The same, and the weights as integer codes in `int8` (pointed to by `codes`) when the
  /// int8 forward (nn/matrix_units.h) applies to input x; `codes` stays null otherwise.
  torch::Tensor effective_weight(quant::WeightCodes* int8, const quant::WeightCodes** codes,
                                 const torch::Tensor& x) const;
  int64_t macs_per_sample() const override {
    return last_output_shape_.empty() ? 0 : options.in_features() * options.out_features();
  }
  const std::vector<int64_t>& last_output_shape() const override { return last_output_shape_; }
  const std::vector<int64_t>& last_input_shape() const override { return last_input_shape_; }

  QLinearOptions options;
  /// (out_features, in_features), in quantizer units.
  torch::Tensor weight;
  /// (out_features), or undefined without bias.
  torch::Tensor bias;
  /// LSQ's learned weight step (one element), or undefined under the other schemes.
  torch::Tensor weight_step;

 private:
  double gain_ = 1.0;
  std::vector<int64_t> last_input_shape_, last_output_shape_;
};

TORCH_MODULE(QLinear);

}  // namespace nn
}  // namespace wrpn
