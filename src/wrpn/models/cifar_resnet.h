// ResNet-20/32/56 and pre-activation ResNet-20 in their CIFAR form (He et al. 2016, section
// 4.2): a 3x3 stem of 16 channels, three stages of n blocks at 16, 32, 64 channels, global
// average pooling and the classifier; depth = 6n + 2.
//
// Shortcuts are option A of the paper, parameter-free: a stride-2 subsample and zero-padded
// extra channels. That is what gives ResNet-20 its published 0.27M parameters (Distiller,
// PACT and LSQ use the same). WRPN treatment: every conv inside the blocks has
// spec.weight_bits weights; after each residual add the activation quantizer replaces the
// ReLU (post-activation form). In the pre-activation form each conv's input is
// quantize(BN(x)) and the final BN -> quantizer sits before the pooling.
#pragma once

#include "wrpn/models/blocks/chain.h"

namespace wrpn {
namespace models {

class CifarResNet : public Chain {
 public:
  /// `blocks_per_stage` n gives depth 6n + 2.
  CifarResNet(const ModelSpec& spec, int64_t blocks_per_stage, bool preactivation);
};

std::shared_ptr<Network> make_resnet20(const ModelSpec& spec);
std::shared_ptr<Network> make_resnet32(const ModelSpec& spec);
std::shared_ptr<Network> make_resnet56(const ModelSpec& spec);
std::shared_ptr<Network> make_preact_resnet20(const ModelSpec& spec);

}  // namespace models
}  // namespace wrpn
