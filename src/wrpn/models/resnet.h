// ResNet-18/34/50 in their ImageNet form (He et al. 2016; torchvision layout, v1.5: the
// bottleneck's stride sits on its 3x3 conv).
//
// WRPN treatment: every conv inside the residual blocks has `spec.weight_bits` weights and
// each block's output, after the residual add, goes through the activation quantizer where
// the ReLU would be. The 1x1 downsampling shortcut convs are quantized too (the default;
// ResNetOptions::quantize_shortcut keeps them full precision instead). The 7x7 stem conv and
// the classifier use first/last_weight_bits (full precision by default).
#pragma once

#include <vector>

#include "wrpn/models/blocks/chain.h"

namespace wrpn {
namespace models {

struct ResNetOptions {
  /// Bottleneck blocks (1x1, 3x3, 1x1 x4) instead of basic blocks (3x3, 3x3).
  TORCH_ARG(bool, bottleneck) = false;
  /// Blocks per stage (4 stages of 64, 128, 256, 512 base channels).
  TORCH_ARG(std::vector<int64_t>, blocks) = std::vector<int64_t>{2, 2, 2, 2};
  /// Quantize the 1x1 downsampling shortcut convs with spec.weight_bits (else 32 bits).
  TORCH_ARG(bool, quantize_shortcut) = true;
};

class ResNet : public Chain {
 public:
  ResNet(const ModelSpec& spec, ResNetOptions options);
};

/// The registered depths.
std::shared_ptr<Network> make_resnet18(const ModelSpec& spec);
std::shared_ptr<Network> make_resnet34(const ModelSpec& spec);
std::shared_ptr<Network> make_resnet50(const ModelSpec& spec);

}  // namespace models
}  // namespace wrpn
