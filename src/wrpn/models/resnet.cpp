#include "wrpn/models/resnet.h"

#include <fmt/format.h>

#include "wrpn/models/blocks/pooling.h"
#include "wrpn/models/blocks/residual.h"

namespace wrpn {
namespace models {

ResNet::ResNet(const ModelSpec& spec, ResNetOptions options) {
  // 224 -> 112 (stem) -> 56 (pool) -> 56, 28, 14, 7: anything >= 32 keeps every map >= 1.
  require_input_size(spec, 32);
  if (options.blocks().size() != 4) {
    throw std::invalid_argument(fmt::format("{} needs 4 stages of blocks, got {}", spec.name, options.blocks().size()));
  }
  const int shortcut_bits = options.quantize_shortcut() ? spec.weight_bits : 32;
  const int64_t stem = spec.wide(64, "stem");
  add("stem", conv_bn_act(spec, spec.conv(spec.in_channels, stem, 7, spec.first_weight_bits, 2, 3)));
  // The stem's output codes are saved by the max-pool.
  add("stem_pool", MaxPool(MaxPoolOptions(3).stride(2).padding(1).input_bits(spec.activation_bits)));
  int64_t in = stem;
  for (size_t s = 0; s < 4; ++s) {
    torch::nn::Sequential stage;
    const int64_t base = int64_t{64} << s;
    const std::string name = fmt::format("layer{}", s + 1);
    for (int64_t b = 0; b < options.blocks()[s]; ++b) {
      const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
      if (options.bottleneck()) {
        const int64_t mid = spec.wide(base, name), out = spec.wide(4 * base, name);
        stage->push_back(Bottleneck(spec, in, mid, out, stride, shortcut_bits));
        in = out;
      } else {
        const int64_t out = spec.wide(base, name);
        stage->push_back(BasicBlock(spec, in, out, stride, shortcut_bits));
        in = out;
      }
    }
    add(name, stage);
  }
  add("pool", GlobalAvgPool());
  add("fc", nn::QLinear(spec.classifier(in)));
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
