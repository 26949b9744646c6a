#include "wrpn/models/mlp.h"

namespace wrpn {
namespace models {

Mlp::Mlp(const ModelSpec& spec) {
  const int64_t inputs = spec.in_channels * spec.input_size * spec.input_size;
  const int64_t h1 = spec.wide(256), h2 = spec.wide(128);
  fc1_ = register_module(
      "fc1", nn::QLinear(spec.linear(inputs, h1, spec.first_weight_bits, true).input_bits(32)));
  act1_ = register_module("act1", nn::QReLU(spec.activation_bits));
  fc2_ = register_module("fc2", nn::QLinear(spec.linear(h1, h2, spec.weight_bits, true)));
  act2_ = register_module("act2", nn::QReLU(spec.activation_bits));
  fc3_ = register_module("fc3",
                         nn::QLinear(spec.linear(h2, spec.classes, spec.last_weight_bits, true)));
}

torch::Tensor Mlp::forward(torch::Tensor x) {
  x = act1_(fc1_(x.flatten(1)));
  x = act2_(fc2_(x));
  return fc3_(x);
}

}  // namespace models
}  // namespace wrpn
