#include "wrpn/models/alexnet_bn.h"

#include <algorithm>

#include "wrpn/models/blocks/conv_bn.h"
#include "wrpn/models/blocks/pooling.h"

namespace wrpn {
namespace models {

AlexNetBn::AlexNetBn(const ModelSpec& spec) {
  // Three 3x3/2 max pools after an 11x11/4 conv need a 15x15 map after conv1, i.e. 63 pixels.
  require_input_size(spec, 63);
  // The map after the last pool: 6x6 at 224 (the classic classifier input). Smaller inputs
  // keep their smaller map rather than upsample it to 6x6 (and pay for a 9216-wide fc1).
  int64_t side = (spec.input_size + 2 * 2 - 11) / 4 + 1;
  for (int pool = 0; pool < 3; ++pool) side = (side - 3) / 2 + 1;
  const int64_t pooled = std::min<int64_t>(side, 6);
  const int w = spec.weight_bits;
  const int64_t c1 = spec.wide(96, "conv1"), c2 = spec.wide(256, "conv2"), c3 = spec.wide(384, "conv3"),
                c4 = spec.wide(384, "conv4"), c5 = spec.wide(256, "conv5"), f = spec.wide(4096, "fc");
  add("conv1", conv_bn_act(spec, spec.conv(spec.in_channels, c1, 11, spec.first_weight_bits, 4, 2)));
  add("pool1", MaxPool(MaxPoolOptions(3).stride(2)));
  add("conv2", conv_bn_act(spec, spec.conv(c1, c2, 5, w, 1, 2)));
  add("pool2", MaxPool(MaxPoolOptions(3).stride(2)));
  add("conv3", conv_bn_act(spec, spec.conv(c2, c3, 3, w, 1, 1)));
  add("conv4", conv_bn_act(spec, spec.conv(c3, c4, 3, w, 1, 1)));
  add("conv5", conv_bn_act(spec, spec.conv(c4, c5, 3, w, 1, 1)));
  add("pool5", MaxPool(MaxPoolOptions(3).stride(2)));
  add("pool6", AdaptiveAvgPool(pooled));
  add("flatten", Flatten());
  add("fc1", nn::QLinear(spec.linear(c5 * pooled * pooled, f, w, false)));
  add("bn6", torch::nn::BatchNorm1d(f));
  add("act6", nn::QReLU(spec.activation()));
  add("fc2", nn::QLinear(spec.linear(f, f, w, false)));
  add("bn7", torch::nn::BatchNorm1d(f));
  add("act7", nn::QReLU(spec.activation()));
  add("fc3", nn::QLinear(spec.classifier(f)));
}

}  // namespace models
}  // namespace wrpn
