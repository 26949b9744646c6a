// The building block every zoo model repeats: quantized conv -> batch norm -> activation
// quantizer (WRPN puts its activation quantizer exactly where the ReLU would be).
#pragma once

#include "wrpn/models/model_spec.h"
#include "wrpn/nn/batch_norm.h"
#include "wrpn/nn/graph_sink.h"
#include "wrpn/nn/qrelu.h"

namespace wrpn {
namespace models {

class ConvBnImpl : public torch::nn::Module, public nn::Describable {
 public:
  /// `activation_bits` 0 leaves the output un-activated (before a residual add).
  ConvBnImpl(const nn::QConv2dOptions& conv, int activation_bits);
  /// x (N, C_in, H, W) -> (N, C_out, H_out, W_out)
  torch::Tensor forward(const torch::Tensor& x);
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const override;

  const nn::QConv2dOptions& conv_options() const { return conv_->options; }

 private:
  nn::QConv2d conv_{nullptr};
  nn::BatchNorm2d bn_{nullptr};
  nn::QReLU act_{nullptr};
};

TORCH_MODULE(ConvBn);

/// ConvBn with the spec's activation quantizer after it.
inline ConvBn conv_bn_act(const ModelSpec& spec, const nn::QConv2dOptions& conv) {
  return ConvBn(conv, spec.activation_bits);
}
/// ConvBn without activation.
inline ConvBn conv_bn(const nn::QConv2dOptions& conv) { return ConvBn(conv, 0); }

}  // namespace models
}  // namespace wrpn
