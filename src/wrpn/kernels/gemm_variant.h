// The GEMM kernel variants and the ONE place that chooses between them.
#pragma once

#include <string>
#include <vector>

namespace wrpn::kernels {

// Every variant computes the same exact int32 dot products; they differ in
// packed format and instruction mix. All are tested against gemm_s32_ref.
enum class GemmVariant {
  kBitplanePopcount,   // AND + popcount over bit-planes (u8 counters, SumsOf8 flush); k_w, k_a <= 2
  kBitplaneNibbleLut,  // the same over nibble-split planes: AND + one 16-entry LUT (pshufb) per nibble
  kMaddU8S8Acc16,      // u8 x s8 pair products (vpmaddubsw), int16 sums flushed to int32 every few steps
  kMaddU8S8Acc32,      // u8 x s8 pair products (vpmaddubsw) widened to int32 every step
  kMaddS16,            // int16 x int16 pair products (vpmaddwd); exact for 8b x 8b
  kDotU8S8,            // 4-way u8 x s8 dot into int32 (AVX-512 VNNI vpdpbusd; emulated elsewhere)
  kQuadChannelLanes,   // channels in lanes, 4 k per lane: vpdpbusd with VNNI, else vpmaddubsw + int16 sums;
                       // no horizontal sums, for short K
  kAmxTiles,           // AMX-INT8 tdpbusd on 16 x 64-byte tiles, s32 accumulator tiles (amx_gemm.cc);
                       // only where amx_tier_enabled()
};

const char* gemm_variant_name(GemmVariant v);

// Every variant implemented, for tests and benchmarks.
const std::vector<GemmVariant>& all_gemm_variants();

// True when `v` computes exact results for this (weight bits, activation bits) pair:
// the bit-plane kernel is built for 1..2-bit operands, the vpmaddubsw kernels need
// 2 * (2^k_a - 1) * n <= 32767 so a pair sum cannot saturate int16. kAmxTiles is
// exact for every pair but runs only where amx_tier_enabled(); elsewhere it is unsupported.
bool gemm_variant_supports(GemmVariant v, int weight_bits, int act_bits);

// True for the variants that pack operands as bit-planes.
inline bool is_bitplane_variant(GemmVariant v) {
  return v == GemmVariant::kBitplanePopcount || v == GemmVariant::kBitplaneNibbleLut;
}

// Steps of vpmaddubsw results an int16 accumulator can take before it may
// overflow: floor(32767 / (2 * (2^k_a - 1) * n)); 0 when one step already can.
int madd_acc16_flush_steps(int weight_bits, int act_bits);

// Reduction lengths (codes) where the choice changes, measured on this machine
// (docs/KERNELS.md): below kQuadLanesMaxK the channel-lanes kernel, which needs
// no horizontal sums, beats every K-vectorised kernel; with vpmaddubsw (no VNNI)
// it keeps up to kQuadLanesMaxKPairwise; bit-planes win from kBitplaneMinK.
constexpr int kQuadLanesMaxK = 1024;
constexpr int kQuadLanesMaxKPairwise = 2048;
constexpr int kBitplaneMinK = 1024;

// The dispatch rule (see docs/KERNELS.md): the fastest exact variant for the
// pair and reduction length K on the CPU target that HWY_DYNAMIC_DISPATCH would run now.
GemmVariant select_gemm_variant(int weight_bits, int act_bits, int k);

}  // namespace wrpn::kernels
