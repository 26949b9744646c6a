#include "wrpn/models/conv_bn.h"

#include <fmt/format.h>

namespace wrpn {
namespace models {

ConvBnImpl::ConvBnImpl(const nn::QConv2dOptions& conv, int activation_bits) {
  conv_ = register_module("conv", nn::QConv2d(conv));
  bn_ = register_module("bn", nn::BatchNorm2d(conv.out_channels()));
  if (activation_bits > 0) act_ = register_module("act", nn::QReLU(activation_bits));
}

torch::Tensor ConvBnImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = bn_(conv_(x));
  return act_ ? act_(y) : y;
}

void require_input_size(const ModelSpec& spec, int64_t minimum) {
  if (spec.input_size < minimum) {
    throw std::invalid_argument(fmt::format("{} needs input size >= {}, got {}", spec.name,
                                            minimum, spec.input_size));
  }
}

}  // namespace models
}  // namespace wrpn
