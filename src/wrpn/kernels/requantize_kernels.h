// Internal: the vectorised requantize (output_transform.cc calls it for every output width).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wrpn/kernels/output_transform.h"

namespace wrpn::kernels::detail {

// Same contract as requantize_channels: a float first guess per lane, then
// corrected against the thresholds (gathered), so the result is exact.
void requantize_guess_correct(const RequantizeThresholds& th, const int32_t* acc, size_t lda, int n, int m0, int m1,
                              uint8_t* out, size_t ldo);

}  // namespace wrpn::kernels::detail
