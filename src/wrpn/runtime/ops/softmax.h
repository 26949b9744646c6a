// softmax (op 8): over the C channels of a float (C, 1, 1) value, exp and sum in binary64
// (docs/FORMAT.md, "Arithmetic"). No attributes, no tensors.
#pragma once

#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

ValueInfo softmax_output(const ValueInfo& x);  // x itself

extern const OpDefinition kSoftmaxDefinition;

}  // namespace wrpn::runtime::ops
