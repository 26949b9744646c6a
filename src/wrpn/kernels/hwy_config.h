// Highway target set for the kernel library. Include this BEFORE any hwy header
// in every translation unit that dispatches, so all of them agree on the set.
#pragma once

// AVX3_DL (Ice Lake and later: VNNI, VPOPCNTDQ, BITALG) is opt-in in Highway 1.0.3.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif

// SSSE3 adds compile time and nothing the SSE4 target does not already cover.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3)
#endif
