#include "wrpn/models/cifar_resnet.h"

#include <fmt/format.h>

#include "wrpn/models/blocks/pooling.h"
#include "wrpn/models/blocks/residual.h"
#include "wrpn/nn/batch_norm.h"

namespace wrpn {
namespace models {

CifarResNet::CifarResNet(const ModelSpec& spec, int64_t blocks_per_stage, bool preactivation) {
  require_input_size(spec, 4);  // two stride-2 stages
  const int64_t stem = spec.wide(16, "stem");
  const auto stem_conv = spec.conv(spec.in_channels, stem, 3, spec.first_weight_bits, 1, 1);
  if (preactivation) {
    add("stem", nn::QConv2d(stem_conv));  // a bare conv: each block starts with BN -> act
  } else {
    add("stem", conv_bn_act(spec, stem_conv));
  }
  int64_t in = stem;
  for (int64_t s = 0; s < 3; ++s) {
    torch::nn::Sequential stage;
    const std::string name = fmt::format("layer{}", s + 1);
    const int64_t out = spec.wide(int64_t{16} << s, name);
    if (out < in) {  // the option-A shortcut pads channels with zeros; it cannot drop them
      throw std::invalid_argument(fmt::format("{}: {} has {} channels, fewer than the {} before it; an option-A "
                                              "shortcut cannot drop channels (widen it at least as much)",
                                              spec.name, name, out, in));
    }
    for (int64_t b = 0; b < blocks_per_stage; ++b) {
      const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
      if (preactivation) {
        stage->push_back(PreActBlock(spec, in, out, stride));
      } else {
        stage->push_back(CifarBlock(spec, in, out, stride));
      }
      in = out;
    }
    add(name, stage);
  }
  if (preactivation) {
    add("final_bn", nn::BatchNorm2d(in));
    add("final_act", nn::QReLU(spec.activation()));
  }
  add("pool", GlobalAvgPool());
  add("fc", nn::QLinear(spec.classifier(in)));
}

std::shared_ptr<Network> make_resnet20(const ModelSpec& spec) { return std::make_shared<CifarResNet>(spec, 3, false); }
std::shared_ptr<Network> make_resnet32(const ModelSpec& spec) { return std::make_shared<CifarResNet>(spec, 5, false); }
std::shared_ptr<Network> make_resnet56(const ModelSpec& spec) { return std::make_shared<CifarResNet>(spec, 9, false); }
std::shared_ptr<Network> make_preact_resnet20(const ModelSpec& spec) {
  return std::make_shared<CifarResNet>(spec, 3, true);
}

}  // namespace models
}  // namespace wrpn
