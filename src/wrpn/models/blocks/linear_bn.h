// A hidden fully connected layer: quantized linear -> batch norm -> activation quantizer.
#pragma once

#include "wrpn/nn/graph_sink.h"
#include "wrpn/nn/qlinear.h"
#include "wrpn/nn/qrelu.h"

namespace wrpn {
namespace models {

class LinearBnImpl : public torch::nn::Module, public nn::Describable {
 public:
  /// `activation_bits` 0 leaves the output un-activated.
  LinearBnImpl(const nn::QLinearOptions& linear, int activation_bits);
  /// x (N, F_in) -> (N, F_out)
  torch::Tensor forward(const torch::Tensor& x);
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const override;

 private:
  nn::QLinear fc_{nullptr};
  torch::nn::BatchNorm1d bn_{nullptr};
  nn::QReLU act_{nullptr};
};
TORCH_MODULE(LinearBn);

}  // namespace models
}  // namespace wrpn
