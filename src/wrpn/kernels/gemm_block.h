// Internal: the unit of work the GEMM driver hands to the per-target kernels.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wrpn/kernels/gemm.h"

namespace wrpn::kernels::detail {

// Rows kGemmTileM of weights x kGemmTileN pixels: the micro-kernel tile of every variant.
constexpr int kGemmTileM = 4;
constexpr int kGemmTileN = 2;

// Computes out[(n - n_origin) * ldo + m] for m in [m0, m1), n in [n0, n1) with the
// plan's variant (n_origin = 0 writes the full output; = n0 writes a block scratch).
struct GemmBlock {
  const PackedWeights* w;
  const PackedActivations* a;
  int m0, m1, n0, n1;
  int32_t* out;
  size_t ldo;
  int n_origin;
};

// Runs the block on the target HWY_DYNAMIC_DISPATCH picks (gemm_kernels.cc).
void run_gemm_block(const GemmBlock& block);

// Runs a kAmxTiles block on the tile unit (amx_gemm.cc): m0 a multiple of 32, n0 of 32.
void run_amx_block(const GemmBlock& block);

}  // namespace wrpn::kernels::detail
