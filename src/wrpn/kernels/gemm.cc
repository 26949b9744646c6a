// GEMM driver: validates, blocks the output for cache reuse and spreads the
// blocks over threads; the per-target micro-kernels live in gemm_kernels.cc.
#include "wrpn/kernels/gemm.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/gemm_block.h"
#include "wrpn/kernels/thread_pool.h"

namespace wrpn::kernels {
namespace {

// Weight rows per block: keep about this many packed weight bytes per block (L2-resident).
constexpr size_t kWeightBlockBytes = 128 * 1024;
// Pixels per block: a block of packed activation rows stays in L2 across the weight rows.
constexpr int kPixelBlock = 64;

size_t packed_row_bytes(const GemmPlan& plan) {
  switch (plan.variant) {
    case GemmVariant::kBitplanePopcount:
      return size_t(plan.weight_bits) * ((plan.k + 63) / 64) * 8;
    case GemmVariant::kBitplaneNibbleLut:
      return size_t(plan.weight_bits) * ((plan.k + 63) / 64) * 16;
    case GemmVariant::kMaddS16:
      return size_t(plan.k) * 2;
    case GemmVariant::kAmxTiles:
      return round_up(size_t(plan.k), kAmxTileK);
    default:
      return size_t(plan.k);
  }
}

}  // namespace

GemmPlan make_gemm_plan(int weight_bits, int act_bits, int k, GemmVariant variant) {
  check_bits(weight_bits, "weight");
  check_bits(act_bits, "activation");
  if (k < 1) throw std::invalid_argument("GEMM reduction length K must be >= 1, got " + std::to_string(k));
  // |acc| <= K * (2^k_a - 1) * n must fit int32 (and leave room for the threshold sentinels).
  const int64_t bound = int64_t(k) * act_code_max(act_bits) * weight_code_max(weight_bits);
  if (bound > (int64_t{1} << 31) - 2) {
    throw std::invalid_argument("K = " + std::to_string(k) + " could overflow int32 accumulators at " +
                                std::to_string(weight_bits) + "b x " + std::to_string(act_bits) + "b");
  }
  if (!gemm_variant_supports(variant, weight_bits, act_bits)) {
    throw std::invalid_argument(std::string("variant ") + gemm_variant_name(variant) + " is not exact for " +
                                std::to_string(weight_bits) + "b weights x " + std::to_string(act_bits) +
                                "b activations");
  }
  GemmPlan plan;
  plan.weight_bits = weight_bits;
  plan.act_bits = act_bits;
  plan.k = k;
  plan.variant = variant;
  return plan;
}

GemmPlan make_gemm_plan(int weight_bits, int act_bits, int k) {
  check_bits(weight_bits, "weight");
  check_bits(act_bits, "activation");
  return make_gemm_plan(weight_bits, act_bits, k, select_gemm_variant(weight_bits, act_bits, k));
}

namespace {

void check_operands(const PackedWeights& w, const PackedActivations& a, size_t ldo) {
  const GemmPlan& p = w.plan;
  const GemmPlan& q = a.plan;
  if (p.weight_bits != q.weight_bits || p.act_bits != q.act_bits || p.k != q.k || p.variant != q.variant) {
    throw std::invalid_argument(std::string("weights packed for ") + gemm_variant_name(p.variant) +
                                " K=" + std::to_string(p.k) + " but activations for " + gemm_variant_name(q.variant) +
                                " K=" + std::to_string(q.k));
  }
  if (ldo < size_t(w.m)) {
    throw std::invalid_argument("output row stride " + std::to_string(ldo) +
                                " is less than M = " + std::to_string(w.m));
  }
  if (is_bitplane_variant(p.variant) && (w.bits.rows != w.m || a.bits.rows != a.n)) {
    throw std::invalid_argument("bit-plane operands not packed (call finish_packed_activations)");
  }
}

// Splits the output into cache blocks and runs them over threads. `epilogue`,
// when set, receives each block's int32 results in a scratch buffer laid out
// like the output (row n - n0 at offset (n - n0) * M, channel m at m).
template <class Epilogue>
void run_blocks(const PackedWeights& w, const PackedActivations& a, int32_t* out, size_t ldo, int threads,
                const Epilogue* epilogue) {
  // Weight rows per block, a whole number of micro-kernel tiles (AMX: two 16-channel B tiles).
  const size_t tile_m = w.plan.variant == GemmVariant::kAmxTiles ? 2 * kAmxTileChannels : detail::kGemmTileM;
  const int mb = static_cast<int>(
      std::max<size_t>(tile_m, kWeightBlockBytes / std::max<size_t>(1, packed_row_bytes(w.plan)) / tile_m * tile_m));
  const auto run_block = w.plan.variant == GemmVariant::kAmxTiles ? detail::run_amx_block : detail::run_gemm_block;
  const int m_blocks = (w.m + mb - 1) / mb;
  const int n_blocks = (a.n + kPixelBlock - 1) / kPixelBlock;
  parallel_for(m_blocks * n_blocks, threads, [&](int task) {
    const int bm = task / n_blocks, bn = task % n_blocks;
    detail::GemmBlock block;
    block.w = &w;
    block.a = &a;
    block.m0 = bm * mb;
    block.m1 = std::min(w.m, block.m0 + mb);
    block.n0 = bn * kPixelBlock;
    block.n1 = std::min(a.n, block.n0 + kPixelBlock);
    if (epilogue == nullptr) {
      block.out = out;
      block.ldo = ldo;
      block.n_origin = 0;
      run_block(block);
      return;
    }
    thread_local std::vector<int32_t> scratch;
    scratch.resize(size_t(kPixelBlock) * w.m);
    block.out = scratch.data();  // row n lands at (n - n0) * M
    block.ldo = w.m;
    block.n_origin = block.n0;
    run_block(block);
    (*epilogue)(scratch.data(), block.n0, block.n1, block.m0, block.m1);
  });
}

}  // namespace

void gemm_s32(const PackedWeights& w, const PackedActivations& a, int32_t* out, size_t ldo, int threads) {
  check_operands(w, a, ldo);
  using None = void (*)(const int32_t*, int, int, int, int);
  run_blocks<None>(w, a, out, ldo, threads, nullptr);
}

void gemm_requantize(const PackedWeights& w, const PackedActivations& a, const RequantizeThresholds& th, uint8_t* out,
                     size_t ldo, int threads) {
  check_operands(w, a, ldo);
  if (th.channels != w.m) {
    throw std::invalid_argument("thresholds for " + std::to_string(th.channels) +
                                " channels, GEMM has M = " + std::to_string(w.m));
  }
  const auto epilogue = [&](const int32_t* acc, int n0, int n1, int m0, int m1) {
    detail::requantize_channels(th, acc, w.m, n1 - n0, m0, m1, out + size_t(n0) * ldo, ldo);
  };
  run_blocks(w, a, nullptr, ldo, threads, &epilogue);
}

void gemm_dequantize(const PackedWeights& w, const PackedActivations& a, const ChannelAffine& affine, float* out,
                     size_t ldo, int threads) {
  check_operands(w, a, ldo);
  if (affine.scale.size() != size_t(w.m) || affine.bias.size() != size_t(w.m)) {
    throw std::invalid_argument("affine for " + std::to_string(affine.scale.size()) +
                                " channels, GEMM has M = " + std::to_string(w.m));
  }
  const auto epilogue = [&](const int32_t* acc, int n0, int n1, int m0, int m1) {
    detail::dequantize_channels(affine, acc, w.m, n1 - n0, m0, m1, out + size_t(n0) * ldo, ldo);
  };
  run_blocks(w, a, nullptr, ldo, threads, &epilogue);
}

}  // namespace wrpn::kernels
