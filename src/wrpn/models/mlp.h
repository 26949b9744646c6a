// A multilayer perceptron without batch norm: fc 256w, fc 128w, fc classes. Its gradients
// do not depend on how a batch is split, which makes it the model of the data-parallel
// equivalence test (2 processes x batch B == 1 process x batch 2B).
#pragma once

#include "wrpn/models/model_spec.h"
#include "wrpn/nn/qrelu.h"

namespace wrpn {
namespace models {

class Mlp : public Network {
 public:
  explicit Mlp(const ModelSpec& spec);
  torch::Tensor forward(torch::Tensor images) override;

 private:
  nn::QLinear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
  nn::QReLU act1_{nullptr}, act2_{nullptr};
};

}  // namespace models
}  // namespace wrpn
