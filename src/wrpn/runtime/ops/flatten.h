// flatten (op 7): (C, H, W) -> (C*H*W, 1, 1), same kind and bits, in NHWC order, so the
// runtime's memory is already flattened. No attributes, no tensors.
#pragma once

#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

ValueInfo flatten_output(const ValueInfo& x);

extern const OpDefinition kFlattenDefinition;

}  // namespace wrpn::runtime::ops
