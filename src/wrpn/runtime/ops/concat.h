// concat (op 11, format 1.1): 2..8 values of one kind, bits, height and width joined along
// channels in input order; codes stay codes (docs/FORMAT.md, "Ops").
#pragma once

#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

constexpr size_t kConcatMaxInputs = 8;  // the node record's input_count limit

extern const OpDefinition kConcatDefinition;

}  // namespace wrpn::runtime::ops
