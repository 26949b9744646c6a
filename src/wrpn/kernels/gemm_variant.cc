#include "wrpn/kernels/gemm_variant.h"

#include <string>

#include "wrpn/kernels/amx_support.h"
#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/target_info.h"

namespace wrpn::kernels {

const char* gemm_variant_name(GemmVariant v) {
  switch (v) {
    case GemmVariant::kBitplanePopcount:
      return "bitplane_popcount";
    case GemmVariant::kBitplaneNibbleLut:
      return "bitplane_nibble_lut";
    case GemmVariant::kMaddU8S8Acc16:
      return "madd_u8s8_acc16";
    case GemmVariant::kMaddU8S8Acc32:
      return "madd_u8s8_acc32";
    case GemmVariant::kMaddS16:
      return "madd_s16";
    case GemmVariant::kDotU8S8:
      return "dot_u8s8";
    case GemmVariant::kQuadChannelLanes:
      return "quad_channel_lanes";
    case GemmVariant::kAmxTiles:
      return "amx_tiles";
  }
  return "unknown";
}

const std::vector<GemmVariant>& all_gemm_variants() {
  static const std::vector<GemmVariant> all = {GemmVariant::kBitplanePopcount, GemmVariant::kBitplaneNibbleLut,
                                               GemmVariant::kMaddU8S8Acc16,    GemmVariant::kMaddU8S8Acc32,
                                               GemmVariant::kMaddS16,          GemmVariant::kDotU8S8,
                                               GemmVariant::kQuadChannelLanes, GemmVariant::kAmxTiles};
  return all;
}

int madd_acc16_flush_steps(int weight_bits, int act_bits) {
  const int per_step = 2 * act_code_max(act_bits) * weight_code_max(weight_bits);
  return 32767 / per_step;
}

bool gemm_variant_supports(GemmVariant v, int weight_bits, int act_bits) {
  check_bits(weight_bits, "weight");
  check_bits(act_bits, "activation");
  switch (v) {
    case GemmVariant::kBitplanePopcount:
    case GemmVariant::kBitplaneNibbleLut:
      return weight_bits <= 2 && act_bits <= 2;
    case GemmVariant::kMaddU8S8Acc16:
    case GemmVariant::kMaddU8S8Acc32:
      return madd_acc16_flush_steps(weight_bits, act_bits) >= 1;
    case GemmVariant::kMaddS16:
    case GemmVariant::kDotU8S8:
    case GemmVariant::kQuadChannelLanes:
      return true;
    case GemmVariant::kAmxTiles:
      return amx_tier_enabled();
  }
  return false;
}

// The dispatch rule, in one place. Cost per 256 MACs on AVX2 (vector ops):
//   bit-planes: planes_w * k_a pairs x 6 ops (2 AND, 2 pshufb, 2 add) with the
//   nibbles split at packing time (8 ops if split in the loop); with a native
//   byte popcount (AVX3_DL: vpopcntb) 3 ops per 512 MACs, no split needed;
//   vpmaddubsw: ~16 ops with int16 sums (8 madd + 8 add), ~24 when widened every step.
// So bit-planes win while planes_w * k_a <= 2 (1b x 1b, 1b x 2b, 2b x 1b). With
// AVX-512 VNNI one vpdpbusd does 64 exact MACs into int32, which beats the
// pairwise path for every other pair, including 8b x 8b.
// Short reductions take the channel-lanes kernel: the K-vectorised kernels pay
// eight horizontal sums per 4 x 2 tile, which dominate when K is a few vectors.
// With AMX-INT8 one tdpbusd does 16 x 16 x 64 exact MACs: about 29x the FP32 FMA rate
// and far past every vector kernel at every pair and K (docs/KERNELS.md), so it wins outright.
GemmVariant select_gemm_variant(int weight_bits, int act_bits, int k) {
  check_bits(weight_bits, "weight");
  check_bits(act_bits, "activation");
  if (amx_tier_enabled()) return GemmVariant::kAmxTiles;
  const bool vnni = active_target_has_vnni();  // AVX3_DL: VNNI and BITALG come together
  const int flush = madd_acc16_flush_steps(weight_bits, act_bits);
  if (k < kQuadLanesMaxK) return GemmVariant::kQuadChannelLanes;
  if (weight_bits * act_bits <= 2 && k >= kBitplaneMinK)
    return vnni ? GemmVariant::kBitplanePopcount : GemmVariant::kBitplaneNibbleLut;
  if (vnni) return GemmVariant::kDotU8S8;
  if (flush >= 1 && k < kQuadLanesMaxKPairwise) return GemmVariant::kQuadChannelLanes;
  if (flush >= 4) return GemmVariant::kMaddU8S8Acc16;
  if (flush >= 1) return GemmVariant::kMaddU8S8Acc32;
  return GemmVariant::kMaddS16;  // 8b x 8b: a vpmaddubsw pair sum could saturate
}

}  // namespace wrpn::kernels
