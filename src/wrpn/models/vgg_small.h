// vgg_small: conv3x3 16w x2, pool, conv3x3 32w x2, pool, conv3x3 64w, global pool, fc.
#pragma once

#include "wrpn/models/model_spec.h"
#include "wrpn/nn/qrelu.h"

namespace wrpn {
namespace models {

class VggSmall : public Network {
 public:
  explicit VggSmall(const ModelSpec& spec);
  torch::Tensor forward(torch::Tensor images) override;

 private:
  torch::nn::Sequential stage1_{nullptr}, stage2_{nullptr}, stage3_{nullptr};
  nn::QLinear classifier_{nullptr};
  int abits_ = 32;
};

}  // namespace models
}  // namespace wrpn
