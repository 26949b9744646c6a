#include "wrpn/models/mlp.h"

#include "wrpn/models/blocks/pooling.h"
#include "wrpn/nn/qrelu.h"

namespace wrpn {
namespace models {

Mlp::Mlp(const ModelSpec& spec) {
  const int64_t inputs = spec.in_channels * spec.input_size * spec.input_size;
  const int64_t h1 = spec.wide(256, "fc1"), h2 = spec.wide(128, "fc2");
  add("flatten", Flatten());
  add("fc1", nn::QLinear(spec.linear(inputs, h1, spec.first_weight_bits, true).input_bits(32)));
  add("act1", nn::QReLU(spec.activation()));
  add("fc2", nn::QLinear(spec.linear(h1, h2, spec.weight_bits, true)));
  add("act2", nn::QReLU(spec.activation()));
  add("fc3", nn::QLinear(spec.linear(h2, spec.classes, spec.last_weight_bits, true)));
}

}  // namespace models
}  // namespace wrpn
