// AlexNet with batch norm, as in the WRPN and DoReFa ImageNet experiments: five convs
// (96 11x11/4, 256 5x5, 384, 384, 256 3x3) with max pooling, then fc 4096, fc 4096, fc classes,
// every conv and hidden fc followed by batch norm and the activation quantizer (no dropout).
// An adaptive average pool to 6x6 before the classifier (the classic size at 224x224) lets
// larger inputs work; inputs from 63x63 to 223x223 keep their smaller last map (1x1 at 64x64).
#pragma once

#include "wrpn/models/blocks/chain.h"

namespace wrpn {
namespace models {

class AlexNetBn : public Chain {
 public:
  explicit AlexNetBn(const ModelSpec& spec);
};

}  // namespace models
}  // namespace wrpn
