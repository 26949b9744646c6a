#include "wrpn/models/inception_bn.h"

#include <fmt/format.h>

#include "wrpn/models/blocks/inception.h"
#include "wrpn/models/blocks/pooling.h"

namespace wrpn {
namespace models {
namespace {

constexpr InceptionShape kStage3[] = {
    {"inception3a", 64, 64, 64, 64, 96, 32, false, 1},
    {"inception3b", 64, 64, 96, 64, 96, 64, false, 1},
    {"inception3c", 0, 128, 160, 64, 96, 0, true, 2},
};
constexpr InceptionShape kStage4[] = {
    {"inception4a", 224, 64, 96, 96, 128, 128, false, 1},    {"inception4b", 192, 96, 128, 96, 128, 128, false, 1},
    {"inception4c", 160, 128, 160, 128, 160, 128, false, 1}, {"inception4d", 96, 128, 192, 160, 192, 128, false, 1},
    {"inception4e", 0, 128, 192, 192, 256, 0, true, 2},
};
constexpr InceptionShape kStage5[] = {
    {"inception5a", 352, 192, 320, 160, 224, 128, false, 1},
    {"inception5b", 352, 192, 320, 192, 224, 128, true, 1},
};

template <size_t N>
torch::nn::Sequential make_stage(const ModelSpec& spec, const std::string& name, int64_t& channels,
                                 const InceptionShape (&modules)[N]) {
  torch::nn::Sequential stage;
  for (const auto& m : modules) {
    InceptionModule module(spec, name, channels, m);
    channels = module->out_channels;
    stage->push_back(m.name, module);
  }
  return stage;
}

}  // namespace

InceptionBn::InceptionBn(const ModelSpec& spec) {
  require_input_size(spec, 32);
  const int w = spec.weight_bits;
  const int64_t c1 = spec.wide(64, "conv1"), c2r = spec.wide(64, "conv2_reduce"), c2 = spec.wide(192, "conv2");
  add("conv1", conv_bn_act(spec, spec.conv(spec.in_channels, c1, 7, spec.first_weight_bits, 2, 3)));
  add("pool1", MaxPool(MaxPoolOptions(3).stride(2).padding(1)));
  add("conv2_reduce", conv_bn_act(spec, spec.conv(c1, c2r, 1, w)));
  add("conv2", conv_bn_act(spec, spec.conv(c2r, c2, 3, w, 1, 1)));
  add("pool2", MaxPool(MaxPoolOptions(3).stride(2).padding(1)));
  int64_t channels = c2;
  add("stage3", make_stage(spec, "stage3", channels, kStage3));
  add("stage4", make_stage(spec, "stage4", channels, kStage4));
  add("stage5", make_stage(spec, "stage5", channels, kStage5));
  add("pool", GlobalAvgPool());
  add("fc", nn::QLinear(spec.classifier(channels)));
}

}  // namespace models
}  // namespace wrpn
