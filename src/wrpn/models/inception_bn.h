// Inception with batch normalisation (BN-Inception, Ioffe & Szegedy 2015, figure 5): the
// GoogLeNet stem, ten inception modules (3a-3c, 4a-4e, 5a-5b) whose 5x5 branch is replaced by
// two 3x3 convs, global average pooling and the classifier. Every conv is followed by batch
// norm and the activation quantizer; every conv except the stem's first has spec.weight_bits
// weights. Input sizes from 32 up work (global pooling).
#pragma once

#include "wrpn/models/blocks/chain.h"

namespace wrpn {
namespace models {

class InceptionBn : public Chain {
 public:
  explicit InceptionBn(const ModelSpec& spec);
};

}  // namespace models
}  // namespace wrpn
