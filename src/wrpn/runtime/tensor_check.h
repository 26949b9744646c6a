// Validation of one constant tensor on its own, before any node uses it (docs/FORMAT.md,
// "Tensor table"): bits for its type, payload size, and the payload's content.
#pragma once

#include <cstddef>

#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime {

// Throws std::runtime_error starting "tensor <index>: " when the bits do not suit the type,
// the payload size disagrees with the shape, a float is not finite, a weight code lies outside
// -n..n (the pattern -2^(bits-1)), or the unused trailing bits of a code payload are not zero.
void validate_tensor(const TensorInfo& t, size_t index);

}  // namespace wrpn::runtime
