// vgg_small: conv3x3 16w x2, pool, conv3x3 32w x2, pool, conv3x3 64w, global pool, fc.
#pragma once

#include "wrpn/models/blocks/chain.h"

namespace wrpn {
namespace models {

class VggSmall : public Chain {
 public:
  explicit VggSmall(const ModelSpec& spec);
};

}  // namespace models
}  // namespace wrpn
