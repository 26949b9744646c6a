// Internal: the vectorised 2x2, stride-2 max-pool with window offsets (pool_offsets.cc calls it).
#pragma once

#include <cstdint>

namespace wrpn::kernels::detail {

// One output row: out[ow], offsets[ow] for ow < out_w from input rows r0, r1 (2 out_w floats
// each), with max_pool_with_window_offsets' choice.
void max_pool_2x2_row(const float* r0, const float* r1, int64_t out_w, float* out, uint8_t* offsets);

}  // namespace wrpn::kernels::detail
