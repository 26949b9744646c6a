// QConv2d: a 2-D convolution whose weights pass through the WRPN weight quantizer.
#pragma once

#include <torch/torch.h>

#include "wrpn/nn/weight_param.h"
#include "wrpn/quant/quantizers.h"
#include "wrpn/quant/scheme.h"

namespace wrpn {
namespace nn {

struct QConv2dOptions {
  QConv2dOptions(int64_t in_channels, int64_t out_channels, torch::ExpandingArray<2> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}

  /// Input channels; must be divisible by groups.
  TORCH_ARG(int64_t, in_channels);
  /// Output channels; must be divisible by groups.
  TORCH_ARG(int64_t, out_channels);
  /// Kernel height and width.
  TORCH_ARG(torch::ExpandingArray<2>, kernel_size);
  /// Stride. Default 1.
  TORCH_ARG(torch::ExpandingArray<2>, stride) = 1;
  /// Zero padding on each side. Default 0.
  TORCH_ARG(torch::ExpandingArray<2>, padding) = 0;
  /// Channel groups. Default 1.
  TORCH_ARG(int64_t, groups) = 1;
  /// Learnable bias (in effective units). Default false: WRPN convs are followed by batch norm.
  TORCH_ARG(bool, bias) = false;
  /// Weight bits: 1..8, or 32 for full precision. Default 32.
  TORCH_ARG(int, weight_bits) = 32;
  /// 1-bit weights only: one alpha per output channel instead of per layer. Default false.
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

class QConv2dImpl : public torch::nn::Cloneable<QConv2dImpl>, public QuantizedLayer {
 public:
  QConv2dImpl(int64_t in_channels, int64_t out_channels, torch::ExpandingArray<2> kernel_size)
      : QConv2dImpl(QConv2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit QConv2dImpl(QConv2dOptions options);

  void reset() override;
  /// Weight bits set after construction (models/layer_bits.h); the weights are kept.
  void set_weight_bits(int bits);
  void pretty_print(std::ostream& stream) const override;

  /// x (N, C_in, H, W) -> (N, C_out, H_out, W_out)
  torch::Tensor forward(const torch::Tensor& x);

  int weight_bits() const override { return options.weight_bits(); }
  const torch::Tensor& raw_weight() const override { return weight; }
  double weight_gain() const override { return gain_; }
  torch::Tensor effective_weight() const override;
  /// The same, and the weights as integer codes in `int8` (pointed to by `codes`) when the
  /// int8 forward (nn/matrix_units.h) applies to input x; `codes` stays null otherwise.
  torch::Tensor effective_weight(quant::WeightCodes* int8, const quant::WeightCodes** codes,
                                 const torch::Tensor& x) const;
  int64_t macs_per_sample() const override;
  const std::vector<int64_t>& last_output_shape() const override { return last_output_shape_; }
  const std::vector<int64_t>& last_input_shape() const override { return last_input_shape_; }

  QConv2dOptions options;
  /// (C_out, C_in / groups, kH, kW), in quantizer units.
  torch::Tensor weight;
  /// (C_out), or undefined without bias.
  torch::Tensor bias;
  /// LSQ's learned weight step (one element), or undefined under the other schemes.
  torch::Tensor weight_step;

 private:
  double gain_ = 1.0;
  std::vector<int64_t> last_input_shape_, last_output_shape_;
};

TORCH_MODULE(QConv2d);

}  // namespace nn
}  // namespace wrpn
