#include "wrpn/models/vgg_small.h"

#include "wrpn/nn/batch_norm.h"
#include "wrpn/nn/packed_ops.h"

namespace wrpn {
namespace models {
namespace {

// conv3x3 (padding 1) -> batch norm -> activation quantizer, appended to `stage`.
void add_conv_bn_act(torch::nn::Sequential& stage, const ModelSpec& spec, int64_t in, int64_t out,
                     int weight_bits, int input_bits) {
  stage->push_back(nn::QConv2d(
      spec.conv(in, out, 3, weight_bits, /*stride=*/1, /*padding=*/1).input_bits(input_bits)));
  stage->push_back(nn::BatchNorm2d(out));
  stage->push_back(nn::QReLU(spec.activation_bits));
}

}  // namespace

VggSmall::VggSmall(const ModelSpec& spec) {
  const int64_t c1 = spec.wide(16), c2 = spec.wide(32), c3 = spec.wide(64);
  stage1_ = torch::nn::Sequential();
  const int a = abits_ = spec.activation_bits;
  add_conv_bn_act(stage1_, spec, spec.in_channels, c1, spec.first_weight_bits, /*input_bits=*/32);
  add_conv_bn_act(stage1_, spec, c1, c1, spec.weight_bits, a);
  stage2_ = torch::nn::Sequential();
  add_conv_bn_act(stage2_, spec, c1, c2, spec.weight_bits, a);
  add_conv_bn_act(stage2_, spec, c2, c2, spec.weight_bits, a);
  stage3_ = torch::nn::Sequential();
  add_conv_bn_act(stage3_, spec, c2, c3, spec.weight_bits, a);
  register_module("stage1", stage1_);
  register_module("stage2", stage2_);
  register_module("stage3", stage3_);
  classifier_ = register_module(
      "classifier",
      nn::QLinear(spec.classifier(c3).input_bits(32)));
}

torch::Tensor VggSmall::forward(torch::Tensor x) {
  x = nn::max_pool2d_saving_codes(stage1_->forward(x), 2, abits_);
  x = nn::max_pool2d_saving_codes(stage2_->forward(x), 2, abits_);
  x = stage3_->forward(x);
  x = x.mean({2, 3});  // global average pool: (N, C, H, W) -> (N, C), no longer on the grid
  return classifier_(x);
}

}  // namespace models
}  // namespace wrpn
