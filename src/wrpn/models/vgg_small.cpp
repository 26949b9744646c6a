#include "wrpn/models/vgg_small.h"

#include "wrpn/models/blocks/pooling.h"
#include "wrpn/nn/batch_norm.h"
#include "wrpn/nn/qrelu.h"

namespace wrpn {
namespace models {
namespace {

// conv3x3 (padding 1) -> batch norm -> activation quantizer, appended to `stage`.
void add_conv_bn_act(torch::nn::Sequential& stage, const ModelSpec& spec, int64_t in, int64_t out, int weight_bits,
                     int input_bits) {
  stage->push_back(nn::QConv2d(spec.conv(in, out, 3, weight_bits, /*stride=*/1, /*padding=*/1).input_bits(input_bits)));
  stage->push_back(nn::BatchNorm2d(out));
  stage->push_back(nn::QReLU(spec.activation()));
}

}  // namespace

VggSmall::VggSmall(const ModelSpec& spec) {
  const int64_t c1 = spec.wide(16, "stage1"), c2 = spec.wide(32, "stage2"), c3 = spec.wide(64, "stage3");
  const int a = spec.activation_bits;
  torch::nn::Sequential stage1, stage2, stage3;
  add_conv_bn_act(stage1, spec, spec.in_channels, c1, spec.first_weight_bits, /*input_bits=*/32);
  add_conv_bn_act(stage1, spec, c1, c1, spec.weight_bits, a);
  add_conv_bn_act(stage2, spec, c1, c2, spec.weight_bits, a);
  add_conv_bn_act(stage2, spec, c2, c2, spec.weight_bits, a);
  add_conv_bn_act(stage3, spec, c2, c3, spec.weight_bits, a);
  add("stage1", stage1);
  add("pool1", MaxPool(MaxPoolOptions(2).input_bits(a)));
  add("stage2", stage2);
  add("pool2", MaxPool(MaxPoolOptions(2).input_bits(a)));
  add("stage3", stage3);
  add("pool3", GlobalAvgPool());  // (N, C, H, W) -> (N, C), no longer on the grid
  add("classifier", nn::QLinear(spec.classifier(c3).input_bits(32)));
}

}  // namespace models
}  // namespace wrpn
