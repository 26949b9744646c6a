#include "wrpn/models/lenet5.h"

#include <fmt/format.h>

#include "wrpn/nn/packed_ops.h"

namespace wrpn {
namespace models {

LeNet5::LeNet5(const ModelSpec& spec) {
  // Two unpadded 5x5 convs, each followed by 2x2 max pooling.
  const int64_t after_conv1 = (spec.input_size - 4) / 2;
  const int64_t after_conv2 = (after_conv1 - 4) / 2;
  if (after_conv2 < 1) {
    throw std::invalid_argument(
        fmt::format("lenet5 needs input size >= 16, got {}", spec.input_size));
  }
  const int64_t c1 = spec.wide(6), c2 = spec.wide(16), f1 = spec.wide(120), f2 = spec.wide(84);
  const int a = abits_ = spec.activation_bits;
  conv1_ = register_module(
      "conv1",
      nn::QConv2d(spec.conv(spec.in_channels, c1, 5, spec.first_weight_bits).input_bits(32)));
  bn1_ = register_module("bn1", nn::BatchNorm2d(c1));
  act1_ = register_module("act1", nn::QReLU(a));
  conv2_ = register_module("conv2", nn::QConv2d(spec.conv(c1, c2, 5, spec.weight_bits)));
  bn2_ = register_module("bn2", nn::BatchNorm2d(c2));
  act2_ = register_module("act2", nn::QReLU(a));
  fc1_ = register_module(
      "fc1", nn::QLinear(spec.linear(c2 * after_conv2 * after_conv2, f1, spec.weight_bits, false)));
  bn3_ = register_module("bn3", torch::nn::BatchNorm1d(f1));
  act3_ = register_module("act3", nn::QReLU(a));
  fc2_ = register_module("fc2", nn::QLinear(spec.linear(f1, f2, spec.weight_bits, false)));
  bn4_ = register_module("bn4", torch::nn::BatchNorm1d(f2));
  act4_ = register_module("act4", nn::QReLU(a));
  fc3_ = register_module("fc3",
                         nn::QLinear(spec.classifier(f2)));
}

torch::Tensor LeNet5::forward(torch::Tensor x) {
  x = nn::max_pool2d_saving_codes(act1_(bn1_(conv1_(x))), 2, abits_);
  x = nn::max_pool2d_saving_codes(act2_(bn2_(conv2_(x))), 2, abits_);
  x = x.flatten(1);
  x = act3_(bn3_(fc1_(x)));
  x = act4_(bn4_(fc2_(x)));
  return fc3_(x);
}

}  // namespace models
}  // namespace wrpn
