// LeNet-5 with batch norm: conv5x5 6w, conv5x5 16w, fc 120w, fc 84w, fc classes.
#pragma once

#include "wrpn/models/blocks/chain.h"

namespace wrpn {
namespace models {

class LeNet5 : public Chain {
 public:
  explicit LeNet5(const ModelSpec& spec);
};

}  // namespace models
}  // namespace wrpn
