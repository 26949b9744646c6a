#include "wrpn/models/resnet.h"

#include <fmt/format.h>

#include "wrpn/nn/packed_ops.h"

namespace wrpn {
namespace models {
namespace {

// conv3x3 -> BN -> act -> conv3x3 -> BN, plus the shortcut, then act.
class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(const ModelSpec& spec, int64_t in, int64_t out, int64_t stride, int shortcut_bits) {
    conv1_ = register_module("conv1", conv_bn_act(spec, spec.conv(in, out, 3, spec.weight_bits, stride, 1)));
    conv2_ = register_module("conv2", conv_bn(spec.conv(out, out, 3, spec.weight_bits, 1, 1)));
    if (stride != 1 || in != out) {
      downsample_ = register_module("downsample", conv_bn(spec.conv(in, out, 1, shortcut_bits, stride)));
    }
    act_ = register_module("act", nn::QReLU(spec.activation_bits));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor shortcut = downsample_ ? downsample_(x) : x;
    return act_(conv2_(conv1_(x)) + shortcut);
  }

 private:
  ConvBn conv1_{nullptr}, conv2_{nullptr}, downsample_{nullptr};
  nn::QReLU act_{nullptr};
};
TORCH_MODULE(BasicBlock);

// conv1x1 -> conv3x3 (stride) -> conv1x1 (x4 channels), plus the shortcut, then act.
class BottleneckImpl : public torch::nn::Module {
 public:
  BottleneckImpl(const ModelSpec& spec, int64_t in, int64_t mid, int64_t out, int64_t stride,
                 int shortcut_bits) {
    const int w = spec.weight_bits;
    conv1_ = register_module("conv1", conv_bn_act(spec, spec.conv(in, mid, 1, w)));
    conv2_ = register_module("conv2", conv_bn_act(spec, spec.conv(mid, mid, 3, w, stride, 1)));
    conv3_ = register_module("conv3", conv_bn(spec.conv(mid, out, 1, w)));
    if (stride != 1 || in != out) {
      downsample_ = register_module("downsample", conv_bn(spec.conv(in, out, 1, shortcut_bits, stride)));
    }
    act_ = register_module("act", nn::QReLU(spec.activation_bits));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor shortcut = downsample_ ? downsample_(x) : x;
    return act_(conv3_(conv2_(conv1_(x))) + shortcut);
  }

 private:
  ConvBn conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr}, downsample_{nullptr};
  nn::QReLU act_{nullptr};
};
TORCH_MODULE(Bottleneck);

}  // namespace

ResNet::ResNet(const ModelSpec& spec, ResNetOptions options) {
  // 224 -> 112 (stem) -> 56 (pool) -> 56, 28, 14, 7: anything >= 32 keeps every map >= 1.
  require_input_size(spec, 32);
  if (options.blocks().size() != 4) {
    throw std::invalid_argument(
        fmt::format("{} needs 4 stages of blocks, got {}", spec.name, options.blocks().size()));
  }
  const int shortcut_bits = options.quantize_shortcut() ? spec.weight_bits : 32;
  abits_ = spec.activation_bits;
  const int64_t stem = spec.wide(64);
  stem_ = register_module(
      "stem", conv_bn_act(spec, spec.conv(spec.in_channels, stem, 7, spec.first_weight_bits, 2, 3)));
  int64_t in = stem;
  for (size_t s = 0; s < 4; ++s) {
    torch::nn::Sequential stage;
    const int64_t base = int64_t{64} << s;
    for (int64_t b = 0; b < options.blocks()[s]; ++b) {
      const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
      if (options.bottleneck()) {
        const int64_t mid = spec.wide(base), out = spec.wide(4 * base);
        stage->push_back(Bottleneck(spec, in, mid, out, stride, shortcut_bits));
        in = out;
      } else {
        const int64_t out = spec.wide(base);
        stage->push_back(BasicBlock(spec, in, out, stride, shortcut_bits));
        in = out;
      }
    }
    stages_.push_back(register_module(fmt::format("layer{}", s + 1), stage));
  }
  fc_ = register_module("fc", nn::QLinear(spec.classifier(in)));
}

torch::Tensor ResNet::forward(torch::Tensor x) {
  x = nn::max_pool2d_saving_codes(stem_(x), /*kernel=*/3, abits_, /*stride=*/2, /*padding=*/1);
  for (auto& stage : stages_) x = stage->forward(x);
  return fc_(x.mean({2, 3}));
}

std::shared_ptr<Network> make_resnet18(const ModelSpec& spec) {
  return std::make_shared<ResNet>(spec, ResNetOptions().blocks({2, 2, 2, 2}));
}
std::shared_ptr<Network> make_resnet34(const ModelSpec& spec) {
  return std::make_shared<ResNet>(spec, ResNetOptions().blocks({3, 4, 6, 3}));
}
std::shared_ptr<Network> make_resnet50(const ModelSpec& spec) {
  return std::make_shared<ResNet>(spec, ResNetOptions().bottleneck(true).blocks({3, 4, 6, 3}));
}

}  // namespace models
}  // namespace wrpn
