#include "wrpn/models/alexnet_bn.h"

namespace wrpn {
namespace models {

AlexNetBn::AlexNetBn(const ModelSpec& spec) {
  // Three 3x3/2 max pools after an 11x11/4 conv need a 15x15 map after conv1, i.e. 63 pixels.
  require_input_size(spec, 63);
  // The map after the last pool: 6x6 at 224 (the classic classifier input). Smaller inputs
  // keep their smaller map rather than upsample it to 6x6 (and pay for a 9216-wide fc1).
  int64_t side = (spec.input_size + 2 * 2 - 11) / 4 + 1;
  for (int pool = 0; pool < 3; ++pool) side = (side - 3) / 2 + 1;
  pooled_ = std::min<int64_t>(side, 6);
  const int w = spec.weight_bits;
  const int64_t c1 = spec.wide(96), c2 = spec.wide(256), c3 = spec.wide(384), c4 = spec.wide(384),
                c5 = spec.wide(256), f = spec.wide(4096);
  conv1_ = register_module("conv1", conv_bn_act(spec, spec.conv(spec.in_channels, c1, 11,
                                                                spec.first_weight_bits, 4, 2)));
  conv2_ = register_module("conv2", conv_bn_act(spec, spec.conv(c1, c2, 5, w, 1, 2)));
  conv3_ = register_module("conv3", conv_bn_act(spec, spec.conv(c2, c3, 3, w, 1, 1)));
  conv4_ = register_module("conv4", conv_bn_act(spec, spec.conv(c3, c4, 3, w, 1, 1)));
  conv5_ = register_module("conv5", conv_bn_act(spec, spec.conv(c4, c5, 3, w, 1, 1)));
  fc1_ = register_module("fc1", nn::QLinear(spec.linear(c5 * pooled_ * pooled_, f, w, false)));
  bn6_ = register_module("bn6", torch::nn::BatchNorm1d(f));
  act6_ = register_module("act6", nn::QReLU(spec.activation_bits));
  fc2_ = register_module("fc2", nn::QLinear(spec.linear(f, f, w, false)));
  bn7_ = register_module("bn7", torch::nn::BatchNorm1d(f));
  act7_ = register_module("act7", nn::QReLU(spec.activation_bits));
  fc3_ = register_module("fc3", nn::QLinear(spec.classifier(f)));
}

torch::Tensor AlexNetBn::forward(torch::Tensor x) {
  x = torch::max_pool2d(conv1_(x), 3, 2);
  x = torch::max_pool2d(conv2_(x), 3, 2);
  x = torch::max_pool2d(conv5_(conv4_(conv3_(x))), 3, 2);
  x = torch::adaptive_avg_pool2d(x, {pooled_, pooled_}).flatten(1);
  x = act6_(bn6_(fc1_(x)));
  x = act7_(bn7_(fc2_(x)));
  return fc3_(x);
}

}  // namespace models
}  // namespace wrpn
