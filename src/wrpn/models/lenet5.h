// LeNet-5 with batch norm: conv5x5 6w, conv5x5 16w, fc 120w, fc 84w, fc classes.
#pragma once

#include "wrpn/nn/batch_norm.h"
#include "wrpn/models/model_spec.h"
#include "wrpn/nn/qrelu.h"

namespace wrpn {
namespace models {

class LeNet5 : public Network {
 public:
  explicit LeNet5(const ModelSpec& spec);
  torch::Tensor forward(torch::Tensor images) override;

 private:
  nn::QConv2d conv1_{nullptr}, conv2_{nullptr};
  nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  nn::QLinear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
  torch::nn::BatchNorm1d bn3_{nullptr}, bn4_{nullptr};
  nn::QReLU act1_{nullptr}, act2_{nullptr}, act3_{nullptr}, act4_{nullptr};
  int abits_ = 32;
};

}  // namespace models
}  // namespace wrpn
