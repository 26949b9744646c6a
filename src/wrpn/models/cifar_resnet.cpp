#include "wrpn/models/cifar_resnet.h"

#include <fmt/format.h>

namespace wrpn {
namespace models {
namespace {

// Option A shortcut: keep every other pixel when the block strides, and pad the new
// channels with zeros (split between both ends, as in the reference implementations).
torch::Tensor option_a_shortcut(const torch::Tensor& x, int64_t stride, int64_t out_channels) {
  torch::Tensor y = x;
  if (stride != 1) {
    using torch::indexing::None;
    using torch::indexing::Slice;
    y = y.index({Slice(), Slice(), Slice(None, None, stride), Slice(None, None, stride)});
  }
  const int64_t extra = out_channels - x.size(1);
  if (extra == 0) return y;
  const int64_t before = extra / 2;
  return torch::constant_pad_nd(y, {0, 0, 0, 0, before, extra - before});
}

// conv3x3 -> BN -> act -> conv3x3 -> BN, plus the option A shortcut, then act.
class CifarBlockImpl : public torch::nn::Module {
 public:
  CifarBlockImpl(const ModelSpec& spec, int64_t in, int64_t out, int64_t stride)
      : stride_(stride), out_(out) {
    conv1_ = register_module("conv1", conv_bn_act(spec, spec.conv(in, out, 3, spec.weight_bits, stride, 1)));
    conv2_ = register_module("conv2", conv_bn(spec.conv(out, out, 3, spec.weight_bits, 1, 1)));
    act_ = register_module("act", nn::QReLU(spec.activation_bits));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return act_(conv2_(conv1_(x)) + option_a_shortcut(x, stride_, out_));
  }

 private:
  int64_t stride_, out_;
  ConvBn conv1_{nullptr}, conv2_{nullptr};
  nn::QReLU act_{nullptr};
};
TORCH_MODULE(CifarBlock);

// BN -> act -> conv3x3 -> BN -> act -> conv3x3, plus the option A shortcut of the input.
class PreActBlockImpl : public torch::nn::Module {
 public:
  PreActBlockImpl(const ModelSpec& spec, int64_t in, int64_t out, int64_t stride)
      : stride_(stride), out_(out) {
    bn1_ = register_module("bn1", nn::BatchNorm2d(in));
    act1_ = register_module("act1", nn::QReLU(spec.activation_bits));
    conv1_ = register_module("conv1", nn::QConv2d(spec.conv(in, out, 3, spec.weight_bits, stride, 1)));
    bn2_ = register_module("bn2", nn::BatchNorm2d(out));
    act2_ = register_module("act2", nn::QReLU(spec.activation_bits));
    // No batch norm follows conv2 before the residual add: it takes the input scale.
    conv2_ = register_module(
        "conv2", nn::QConv2d(spec.conv(out, out, 3, spec.weight_bits, 1, 1).input_scale(spec.activation_range())));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor y = conv1_(act1_(bn1_(x)));
    return conv2_(act2_(bn2_(y))) + option_a_shortcut(x, stride_, out_);
  }

 private:
  int64_t stride_, out_;
  nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  nn::QReLU act1_{nullptr}, act2_{nullptr};
  nn::QConv2d conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(PreActBlock);

}  // namespace

CifarResNet::CifarResNet(const ModelSpec& spec, int64_t blocks_per_stage, bool preactivation)
    : preactivation_(preactivation) {
  require_input_size(spec, 4);  // two stride-2 stages
  const int64_t stem = spec.wide(16);
  const auto stem_conv = spec.conv(spec.in_channels, stem, 3, spec.first_weight_bits, 1, 1);
  if (preactivation_) {
    stem_conv_ = register_module("stem", nn::QConv2d(stem_conv));
  } else {
    stem_ = register_module("stem", conv_bn_act(spec, stem_conv));
  }
  int64_t in = stem;
  for (int64_t s = 0; s < 3; ++s) {
    torch::nn::Sequential stage;
    const int64_t out = spec.wide(int64_t{16} << s);
    for (int64_t b = 0; b < blocks_per_stage; ++b) {
      const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
      if (preactivation_) {
        stage->push_back(PreActBlock(spec, in, out, stride));
      } else {
        stage->push_back(CifarBlock(spec, in, out, stride));
      }
      in = out;
    }
    stages_.push_back(register_module(fmt::format("layer{}", s + 1), stage));
  }
  if (preactivation_) {
    final_bn_ = register_module("final_bn", nn::BatchNorm2d(in));
    final_act_ = register_module("final_act", nn::QReLU(spec.activation_bits));
  }
  fc_ = register_module("fc", nn::QLinear(spec.classifier(in)));
}

torch::Tensor CifarResNet::forward(torch::Tensor x) {
  x = preactivation_ ? stem_conv_(x) : stem_(x);
  for (auto& stage : stages_) x = stage->forward(x);
  if (preactivation_) x = final_act_(final_bn_(x));
  return fc_(x.mean({2, 3}));
}

std::shared_ptr<Network> make_resnet20(const ModelSpec& spec) {
  return std::make_shared<CifarResNet>(spec, 3, false);
}
std::shared_ptr<Network> make_resnet32(const ModelSpec& spec) {
  return std::make_shared<CifarResNet>(spec, 5, false);
}
std::shared_ptr<Network> make_resnet56(const ModelSpec& spec) {
  return std::make_shared<CifarResNet>(spec, 9, false);
}
std::shared_ptr<Network> make_preact_resnet20(const ModelSpec& spec) {
  return std::make_shared<CifarResNet>(spec, 3, true);
}

}  // namespace models
}  // namespace wrpn
