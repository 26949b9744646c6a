// The AMX-INT8 ceiling: a tdpbusd loop on 4 accumulating tiles with its operands
// held in tiles (no loads), the tile unit's equivalent of peak_mix.h.
#pragma once

#include <cstdint>

namespace wrpn::bench {

// Runs `iters` rounds of 4 tdpbusd (16 x 16 x 64 MACs each) on this thread and returns
// the MACs done; 0 where the AMX tier is not usable (amx_tier_enabled()).
uint64_t run_amx_peak(uint64_t iters);

}  // namespace wrpn::bench
