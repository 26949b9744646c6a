// Builds a .wrpn graph from trained LibTorch layers: folds batch norm into the per-channel
// output transform, turns quantized weights into their integer codes, keeps 32-bit layers
// in float. One method per graph op; the model walkers in export_model.cpp call them. Attributes
// are written and output values computed by the runtime's op definitions (runtime/ops/).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "wrpn/nn/qconv2d.h"
#include "wrpn/nn/qlinear.h"
#include "wrpn/runtime/model_format.h"
#include "wrpn/runtime/ops/activation.h"

namespace wrpn {
namespace exporter {

using ValueId = uint32_t;

/// What an activation quantizer turns into: the runtime ops' out_mode and out_bits (codes, or a
/// ReLU at 32 bits), and the clip its codes span (the value's range: 1 for WRPN's and DoReFa's,
/// PACT's alpha, LSQ's Q_P x step), which the exporter folds into the layer's output transform.
struct Activation {
  /* implicit */ Activation(runtime::ops::Activation a = runtime::ops::Activation::none(), double r = 1.0)
      : out(a), range(r) {}
  runtime::ops::Activation out;
  double range;
  /// Codes to write: the value's range applies.
  bool codes() const { return out.mode == runtime::OutMode::kCodes; }
};

class GraphBuilder {
 public:
  GraphBuilder(runtime::InputSpec input, std::string info_json);

  ValueId input() const { return 0; }
  const runtime::ValueInfo& value(ValueId v) const { return model_.values[v]; }
  /// conv -> (batch norm) -> activation; bn may be null.
  ValueId conv(ValueId x, const nn::QConv2dImpl& conv, const torch::nn::BatchNorm2dImpl* bn, Activation act);
  /// linear -> (batch norm) -> activation; bn may be null.
  ValueId linear(ValueId x, const nn::QLinearImpl& fc, const torch::nn::BatchNorm1dImpl* bn, Activation act);
  /// batch norm -> activation on its own (pre-activation blocks).
  ValueId batch_norm(ValueId x, const torch::nn::BatchNorm2dImpl& bn, Activation act);
  ValueId max_pool(ValueId x, int kernel, int stride, int pad);
  ValueId global_avg_pool(ValueId x);
  /// torch::avg_pool2d (count_include_pad): a float value.
  ValueId avg_pool(ValueId x, int kernel, int stride, int pad);
  /// torch::cat along channels; the parts must be of one kind and bits (codes of one width).
  ValueId concat(const std::vector<ValueId>& parts);
  ValueId add(ValueId a, ValueId b, Activation act);
  /// ResNet option-A shortcut: subsample by `stride`, zero-pad channels to `out_channels`.
  ValueId shortcut_a(ValueId x, int stride, int out_channels);
  ValueId flatten(ValueId x);

  runtime::ModelFile finish(ValueId logits);

 private:
  ValueId add_value(runtime::ValueInfo v);
  /// The node's output value is the one its op definition computes (and checks); codes the
  /// node makes of its own result span `range`.
  ValueId add_node(runtime::Op op, std::vector<ValueId> inputs, std::vector<int32_t> attrs,
                   std::vector<uint32_t> tensors, double range = 1.0);
  uint32_t add_float_tensor(std::vector<int> dims, const std::vector<float>& values);
  uint32_t add_weight_tensor(const torch::Tensor& rows, int bits, quant::Scheme scheme, const torch::Tensor& lsq_step,
                             double gain, bool per_channel_alpha, std::vector<double>& weight_scale);
  std::pair<uint32_t, uint32_t> add_output_transform(const std::vector<double>& weight_scale, double input_unit,
                                                     const std::vector<double>& bn_scale,
                                                     const std::vector<double>& bn_shift,
                                                     const torch::Tensor& layer_bias, const Activation& act);

  runtime::ModelFile model_;
  std::vector<runtime::ValueInfo> flattened_from_;  // per value: the (C, H, W) a flatten saw, else empty
};

/// gamma / sqrt(var + eps) and beta - mean * that, per channel, in double.
void batch_norm_affine(const torch::Tensor& gamma, const torch::Tensor& beta, const torch::Tensor& mean,
                       const torch::Tensor& var, double eps, std::vector<double>& scale, std::vector<double>& shift);

}  // namespace exporter
}  // namespace wrpn
