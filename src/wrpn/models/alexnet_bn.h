// AlexNet with batch norm, as in the WRPN and DoReFa ImageNet experiments: five convs
// (96 11x11/4, 256 5x5, 384, 384, 256 3x3) with max pooling, then fc 4096, fc 4096, fc classes,
// every conv and hidden fc followed by batch norm and the activation quantizer (no dropout).
// An adaptive average pool to 6x6 before the classifier (the classic size at 224x224) lets
// larger inputs work; inputs from 63x63 to 223x223 keep their smaller last map (1x1 at 64x64).
#pragma once

#include "wrpn/models/conv_bn.h"

namespace wrpn {
namespace models {

class AlexNetBn : public Network {
 public:
  explicit AlexNetBn(const ModelSpec& spec);
  torch::Tensor forward(torch::Tensor images) override;

 private:
  ConvBn conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr}, conv4_{nullptr}, conv5_{nullptr};
  nn::QLinear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
  torch::nn::BatchNorm1d bn6_{nullptr}, bn7_{nullptr};
  nn::QReLU act6_{nullptr}, act7_{nullptr};
  int64_t pooled_ = 6;  // side of the map the classifier sees
};

}  // namespace models
}  // namespace wrpn
