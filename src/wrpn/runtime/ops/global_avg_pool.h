// global_avg_pool (op 4): the mean of each channel's real values over its H x W positions,
// summed in binary64 (docs/FORMAT.md, "Arithmetic"). No attributes, no tensors.
#pragma once

#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

// Float (C, 1, 1).
ValueInfo global_avg_pool_output(const ValueInfo& x);

extern const OpDefinition kGlobalAvgPoolDefinition;

}  // namespace wrpn::runtime::ops
