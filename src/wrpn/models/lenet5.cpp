#include "wrpn/models/lenet5.h"

#include <fmt/format.h>

#include "wrpn/models/blocks/pooling.h"
#include "wrpn/nn/batch_norm.h"
#include "wrpn/nn/qrelu.h"

namespace wrpn {
namespace models {

LeNet5::LeNet5(const ModelSpec& spec) {
  // Two unpadded 5x5 convs, each followed by 2x2 max pooling.
  const int64_t after_conv1 = (spec.input_size - 4) / 2;
  const int64_t after_conv2 = (after_conv1 - 4) / 2;
  if (after_conv2 < 1) {
    throw std::invalid_argument(fmt::format("lenet5 needs input size >= 16, got {}", spec.input_size));
  }
  const int64_t c1 = spec.wide(6, "conv1"), c2 = spec.wide(16, "conv2"), f1 = spec.wide(120, "fc1"),
                f2 = spec.wide(84, "fc2");
  const int a = spec.activation_bits;
  add("conv1", nn::QConv2d(spec.conv(spec.in_channels, c1, 5, spec.first_weight_bits).input_bits(32)));
  add("bn1", nn::BatchNorm2d(c1));
  add("act1", nn::QReLU(spec.activation()));
  add("pool1", MaxPool(MaxPoolOptions(2).input_bits(a)));
  add("conv2", nn::QConv2d(spec.conv(c1, c2, 5, spec.weight_bits)));
  add("bn2", nn::BatchNorm2d(c2));
  add("act2", nn::QReLU(spec.activation()));
  add("pool2", MaxPool(MaxPoolOptions(2).input_bits(a)));
  add("flatten", Flatten());
  add("fc1", nn::QLinear(spec.linear(c2 * after_conv2 * after_conv2, f1, spec.weight_bits, false)));
  add("bn3", torch::nn::BatchNorm1d(f1));
  add("act3", nn::QReLU(spec.activation()));
  add("fc2", nn::QLinear(spec.linear(f1, f2, spec.weight_bits, false)));
  add("bn4", torch::nn::BatchNorm1d(f2));
  add("act4", nn::QReLU(spec.activation()));
  add("fc3", nn::QLinear(spec.classifier(f2)));
}

}  // namespace models
}  // namespace wrpn
