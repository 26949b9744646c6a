// Register-only micro-benchmarks of each kernel's inner-loop instruction mix:
// the same 4 x 2 tile of independent accumulators as the micro-kernels, with
// operands pinned in registers (no loads), so the rate is the core's ceiling
// for that mix on the dispatched target.
#pragma once

#include <cstdint>
#include <string>

namespace wrpn::bench {

enum class PeakMix {
  kAndPopcountU8,   // AND + byte popcount (generic nibble LUT with shift+masks, or vpopcntb on AVX3_DL) + byte add
  kAndNibbleLutU8,  // on nibble-split planes: 2 x (AND + pshufb + byte add) per 256 MACs
  kMaddU8S8Add16,   // vpmaddubsw + vpaddw
  kMaddU8S8Add32,   // vpmaddubsw + vpmaddwd(ones) + vpaddd
  kMaddS16Add32,    // vpmaddwd + vpaddd
  kDotU8S8,         // vpdpbusd (AVX3_DL), else its even/odd emulation
  kFmaF32,          // vfmadd (FP32 peak, what oneDNN's FP32 GEMM runs)
  kAmxTdpbusd,      // AMX-INT8 tdpbusd on 4 accumulating tiles (amx_peak.h); 0 without AMX
};

const char* peak_mix_name(PeakMix mix);

// MACs per second of `mix` on the current dispatched target, summed over
// `threads` threads each running the loop; best of a few timed runs.
// Returns 0 on targets without the mix (the scalar target).
double peak_macs_per_second(PeakMix mix, int threads);

}  // namespace wrpn::bench
