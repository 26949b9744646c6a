// A multilayer perceptron without batch norm: fc 256w, fc 128w, fc classes. Its gradients
// do not depend on how a batch is split, which makes it the model of the data-parallel
// equivalence test (2 processes x batch B == 1 process x batch 2B).
#pragma once

#include "wrpn/models/blocks/chain.h"

namespace wrpn {
namespace models {

class Mlp : public Chain {
 public:
  explicit Mlp(const ModelSpec& spec);
};

}  // namespace models
}  // namespace wrpn
