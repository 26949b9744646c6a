// AlexNet with batch norm, as in the WRPN and DoReFa ImageNet experiments: five convs
// (96 11x11/4, 256 5x5, 384, 384, 256 3x3) with max pooling, then fc 4096, fc 4096, fc classes,
// every conv and hidden fc followed by batch norm and the activation quantizer (no dropout).
// An adaptive average pool to 6x6 before the classifier lets inputs from 63x63 up work.
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
};

}  // namespace models
}  // namespace wrpn
