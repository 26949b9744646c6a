// The optimised GEMM micro-kernels, written once with Highway and compiled for
// every target in hwy_config.h. The reference twin is gemm_ref.cc.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "wrpn/kernels/gemm_kernels.cc"
#include "wrpn/kernels/hwy_config.h"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/gemm_block.h"
#include "wrpn/kernels/target_info.h"

HWY_BEFORE_NAMESPACE();
namespace wrpn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr int kMR = detail::kGemmTileM;
constexpr int kNR = detail::kGemmTileN;

const char* TargetNameImpl() { return hwy::TargetName(HWY_TARGET); }

// Row pointers of one tile; rows past the end repeat the last one, their results are dropped.
template <typename T, typename Rows>
HWY_INLINE const T* ClampedRow(const Rows& rows, int r, int end) {
  return rows.row(std::min(r, end - 1));
}

#include "wrpn/kernels/int_dot_shims-inl.h"

#if HWY_TARGET != HWY_SCALAR

static_assert(kMR * kNR == 8, "ReduceTile sums the tile's eight accumulators at once");

// S[r][c] = sum of the lanes of acc[r][c].
template <class DI32>
HWY_INLINE void ReduceTile(DI32 d32, const hn::Vec<DI32> (&acc)[kMR][kNR], int32_t (&S)[kMR][kNR]) {
  hn::Vec<DI32> flat[8];
  for (int r = 0; r < kMR; ++r)
    for (int c = 0; c < kNR; ++c) flat[r * kNR + c] = acc[r][c];
  ReduceEight(d32, flat, &S[0][0]);
}

// ---------------------------------------------------------------- bit-planes
// S[r][c] = sum_k u[r][k] * a[c][k] = sum_{i,j} 2^(i+j) popcount(W_i & A_j).
// Byte counters take at most 8 * (2^PW - 1) * (2^PA - 1) per step, so they are
// flushed through SumsOf8 (vpsadbw) into 64-bit lanes before they can pass 255.
// kSplit: planes are nibble-split (format_bit_planes.h), counted by a 16-entry
// byte LUT (pshufb) without the shift and masks a generic byte popcount needs.
template <int PW, int PA, bool kSplit>
HWY_INLINE void BitplaneTile(const BitPlaneRows& W, const BitPlaneRows& A, int m, int m_end, int n, int n_end,
                             int64_t (&S)[kMR][kNR]) {
  constexpr int kHalves = kSplit ? 2 : 1;
  const hn::ScalableTag<uint64_t> d64;
  const hn::Repartition<uint8_t, decltype(d64)> d8;
  const size_t L = hn::Lanes(d64);
  const size_t words = round_up((size_t(W.k) + 63) / 64, L);  // <= words_per_plane: padded over-read
  constexpr int kMaxPerStep = 8 * ((1 << PW) - 1) * ((1 << PA) - 1);
  constexpr size_t kChunkSteps = 255 / kMaxPerStep;
  static_assert(kChunkSteps >= 1, "byte counters would overflow in one step");
  HWY_ALIGN static constexpr uint8_t kNibblePopcount[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
  const auto lut = hn::LoadDup128(d8, kNibblePopcount);

  const uint64_t* wp[kMR][PW][kHalves];
  const uint64_t* ap[kNR][PA][kHalves];
  for (int r = 0; r < kMR; ++r)
    for (int i = 0; i < PW; ++i)
      for (int h = 0; h < kHalves; ++h) wp[r][i][h] = W.plane(std::min(m + r, m_end - 1), i * kHalves + h);
  for (int c = 0; c < kNR; ++c)
    for (int j = 0; j < PA; ++j)
      for (int h = 0; h < kHalves; ++h) ap[c][j][h] = A.plane(std::min(n + c, n_end - 1), j * kHalves + h);

  hn::Vec<decltype(d64)> acc64[kMR][kNR];
  for (int r = 0; r < kMR; ++r)
    for (int c = 0; c < kNR; ++c) acc64[r][c] = hn::Zero(d64);

  for (size_t w0 = 0; w0 < words; w0 += kChunkSteps * L) {
    const size_t w_end = std::min(words, w0 + kChunkSteps * L);
    hn::Vec<decltype(d8)> acc8[kMR][kNR];
    for (int r = 0; r < kMR; ++r)
      for (int c = 0; c < kNR; ++c) acc8[r][c] = hn::Zero(d8);
    for (size_t w = w0; w < w_end; w += L) {
      hn::Vec<decltype(d64)> av[kNR][PA][kHalves];
      for (int c = 0; c < kNR; ++c)
        for (int j = 0; j < PA; ++j)
          for (int h = 0; h < kHalves; ++h) av[c][j][h] = hn::Load(d64, ap[c][j][h] + w);
      for (int r = 0; r < kMR; ++r) {
        hn::Vec<decltype(d64)> wv[PW][kHalves];
        for (int i = 0; i < PW; ++i)
          for (int h = 0; h < kHalves; ++h) wv[i][h] = hn::Load(d64, wp[r][i][h] + w);
        for (int c = 0; c < kNR; ++c) {
          // Horner over bit weight s = i + j: cnt = sum_s 2^s * level_s.
          auto cnt = hn::Zero(d8);
          for (int s = PW + PA - 2; s >= 0; --s) {
            cnt = hn::Add(cnt, cnt);
            for (int i = 0; i < PW; ++i) {
              const int j = s - i;
              if (j < 0 || j >= PA) continue;
              for (int h = 0; h < kHalves; ++h) {
                const auto both = hn::BitCast(d8, hn::And(wv[i][h], av[c][j][h]));
                cnt = hn::Add(cnt, kSplit ? hn::TableLookupBytes(lut, both) : hn::PopulationCount(both));
              }
            }
          }
          acc8[r][c] = hn::Add(acc8[r][c], cnt);
        }
      }
    }
    for (int r = 0; r < kMR; ++r)
      for (int c = 0; c < kNR; ++c) acc64[r][c] = hn::Add(acc64[r][c], hn::SumsOf8(acc8[r][c]));
  }
  // Totals stay below 2^31 (make_gemm_plan bounds K), so the high halves of the
  // 64-bit lanes are zero and the lanes can be summed as int32.
  const hn::Repartition<int32_t, decltype(d64)> d32;
  hn::Vec<decltype(d32)> acc32[kMR][kNR];
  for (int r = 0; r < kMR; ++r)
    for (int c = 0; c < kNR; ++c) acc32[r][c] = hn::BitCast(d32, acc64[r][c]);
  int32_t S32[kMR][kNR];
  ReduceTile(d32, acc32, S32);
  for (int r = 0; r < kMR; ++r)
    for (int c = 0; c < kNR; ++c) S[r][c] = S32[r][c];
}

// ---------------------------------------------------------------- byte rows
// acc16 += vpmaddubsw(a, w) for `flush` steps, then widened into int32: the
// flush count is madd_acc16_flush_steps, so int16 provably never overflows.
HWY_INLINE void MaddAcc16Tile(const PackedWeights& pw, const PackedActivations& pa, int m, int m_end, int n, int n_end,
                              int flush_steps, int32_t (&S)[kMR][kNR]) {
  const hn::ScalableTag<uint8_t> du8;
  const hn::Repartition<int8_t, decltype(du8)> di8;
  const hn::Repartition<int16_t, decltype(du8)> di16;
  const hn::Repartition<int32_t, decltype(du8)> di32;
  const size_t L = hn::Lanes(du8);
  const size_t k_end = round_up(size_t(pw.plan.k), L);
  const int8_t* wp[kMR];
  const uint8_t* ap[kNR];
  for (int r = 0; r < kMR; ++r) wp[r] = ClampedRow<int8_t>(pw.bytes, m + r, m_end);
  for (int c = 0; c < kNR; ++c) ap[c] = ClampedRow<uint8_t>(pa.bytes, n + c, n_end);

  hn::Vec<decltype(di32)> acc32[kMR][kNR];
  for (int r = 0; r < kMR; ++r)
    for (int c = 0; c < kNR; ++c) acc32[r][c] = hn::Zero(di32);
  const size_t chunk = size_t(flush_steps) * L;
  for (size_t k0 = 0; k0 < k_end; k0 += chunk) {
    const size_t k1 = std::min(k_end, k0 + chunk);
    hn::Vec<decltype(di16)> acc16[kMR][kNR];
    for (int r = 0; r < kMR; ++r)
      for (int c = 0; c < kNR; ++c) acc16[r][c] = hn::Zero(di16);
    for (size_t k = k0; k < k1; k += L) {
      hn::Vec<decltype(du8)> av[kNR];
      for (int c = 0; c < kNR; ++c) av[c] = hn::Load(du8, ap[c] + k);
      for (int r = 0; r < kMR; ++r) {
        const auto wv = hn::Load(di8, wp[r] + k);
        for (int c = 0; c < kNR; ++c) acc16[r][c] = hn::Add(acc16[r][c], MaddPairsU8S8(di16, av[c], wv));
      }
    }
    for (int r = 0; r < kMR; ++r)
      for (int c = 0; c < kNR; ++c) acc32[r][c] = hn::Add(acc32[r][c], SumPairsI16(di32, acc16[r][c]));
  }
  ReduceTile(di32, acc32, S);
}

// Widened to int32 every step: for pairs where one vpmaddubsw may take int16 near its limit.
HWY_INLINE void MaddAcc32Tile(const PackedWeights& pw, const PackedActivations& pa, int m, int m_end, int n, int n_end,
                              int32_t (&S)[kMR][kNR]) {
  const hn::ScalableTag<uint8_t> du8;
  const hn::Repartition<int8_t, decltype(du8)> di8;
  const hn::Repartition<int16_t, decltype(du8)> di16;
  const hn::Repartition<int32_t, decltype(du8)> di32;
  const size_t L = hn::Lanes(du8);
  const size_t k_end = round_up(size_t(pw.plan.k), L);
  const int8_t* wp[kMR];
  const uint8_t* ap[kNR];
  for (int r = 0; r < kMR; ++r) wp[r] = ClampedRow<int8_t>(pw.bytes, m + r, m_end);
  for (int c = 0; c < kNR; ++c) ap[c] = ClampedRow<uint8_t>(pa.bytes, n + c, n_end);
  hn::Vec<decltype(di32)> acc[kMR][kNR];
  for (int r = 0; r < kMR; ++r)
    for (int c = 0; c < kNR; ++c) acc[r][c] = hn::Zero(di32);
  for (size_t k = 0; k < k_end; k += L) {
    hn::Vec<decltype(du8)> av[kNR];
    for (int c = 0; c < kNR; ++c) av[c] = hn::Load(du8, ap[c] + k);
    for (int r = 0; r < kMR; ++r) {
      const auto wv = hn::Load(di8, wp[r] + k);
      for (int c = 0; c < kNR; ++c) acc[r][c] = hn::Add(acc[r][c], SumPairsI16(di32, MaddPairsU8S8(di16, av[c], wv)));
    }
  }
  ReduceTile(di32, acc, S);
}

// int16 weights (packed wide ahead of time) x activations widened on load; vpmaddwd.
HWY_INLINE void MaddS16Tile(const PackedWeights& pw, const PackedActivations& pa, int m, int m_end, int n, int n_end,
                            int32_t (&S)[kMR][kNR]) {
  const hn::ScalableTag<int16_t> di16;
  const hn::RebindToUnsigned<decltype(di16)> du16;
  const hn::Rebind<uint8_t, decltype(di16)> du8h;  // half vector of bytes
  const hn::Repartition<int32_t, decltype(di16)> di32;
  const size_t L = hn::Lanes(di16);
  const size_t k_end = round_up(size_t(pw.plan.k), L);
  const int16_t* wp[kMR];
  const uint8_t* ap[kNR];
  for (int r = 0; r < kMR; ++r) wp[r] = ClampedRow<int16_t>(pw.words, m + r, m_end);
  for (int c = 0; c < kNR; ++c) ap[c] = ClampedRow<uint8_t>(pa.bytes, n + c, n_end);
  hn::Vec<decltype(di32)> acc[kMR][kNR];
  for (int r = 0; r < kMR; ++r)
    for (int c = 0; c < kNR; ++c) acc[r][c] = hn::Zero(di32);
  for (size_t k = 0; k < k_end; k += L) {
    hn::Vec<decltype(di16)> av[kNR];
    for (int c = 0; c < kNR; ++c) av[c] = hn::BitCast(di16, hn::PromoteTo(du16, hn::Load(du8h, ap[c] + k)));
    for (int r = 0; r < kMR; ++r) {
      const auto wv = hn::Load(di16, wp[r] + k);
      for (int c = 0; c < kNR; ++c) acc[r][c] = hn::Add(acc[r][c], MaddPairsI16(di32, av[c], wv));
    }
  }
  ReduceTile(di32, acc, S);
}

HWY_INLINE void DotU8S8Tile(const PackedWeights& pw, const PackedActivations& pa, int m, int m_end, int n, int n_end,
                            int32_t (&S)[kMR][kNR]) {
  const hn::ScalableTag<uint8_t> du8;
  const hn::Repartition<int8_t, decltype(du8)> di8;
  const hn::Repartition<int32_t, decltype(du8)> di32;
  const size_t L = hn::Lanes(du8);
  const size_t k_end = round_up(size_t(pw.plan.k), L);
  const int8_t* wp[kMR];
  const uint8_t* ap[kNR];
  for (int r = 0; r < kMR; ++r) wp[r] = ClampedRow<int8_t>(pw.bytes, m + r, m_end);
  for (int c = 0; c < kNR; ++c) ap[c] = ClampedRow<uint8_t>(pa.bytes, n + c, n_end);
  hn::Vec<decltype(di32)> acc[kMR][kNR];
  for (int r = 0; r < kMR; ++r)
    for (int c = 0; c < kNR; ++c) acc[r][c] = hn::Zero(di32);
  for (size_t k = 0; k < k_end; k += L) {
    hn::Vec<decltype(du8)> av[kNR];
    for (int c = 0; c < kNR; ++c) av[c] = hn::Load(du8, ap[c] + k);
    for (int r = 0; r < kMR; ++r) {
      const auto wv = hn::Load(di8, wp[r] + k);
      for (int c = 0; c < kNR; ++c) acc[r][c] = DotU8S8(di32, acc[r][c], av[c], wv);
    }
  }
  ReduceTile(di32, acc, S);
}

// ---------------------------------------------------------------- channel lanes
// Output channels in int32 lanes, each holding 4 consecutive k (format_channel_quads.h);
// one pixel's 4 activation codes are broadcast to every lane. A tile is kQuadPixels
// pixels x 2 vectors of channels and is stored straight from its lanes: no
// horizontal sums, which is what short reductions need.
constexpr int kQuadPixels = 4;

HWY_INLINE void QuadChannelLanesBlock(const detail::GemmBlock& b) {
  const PackedWeights& pw = *b.w;
  const PackedActivations& pa = *b.a;
  const hn::ScalableTag<int32_t> di32;
  const hn::Repartition<uint32_t, decltype(di32)> du32;
  const hn::Repartition<uint8_t, decltype(di32)> du8;
  const hn::Repartition<int8_t, decltype(di32)> di8;
  const hn::Repartition<int16_t, decltype(di32)> di16;
  const size_t L = hn::Lanes(di32);
  const ChannelQuads& q = pw.quads;
  const int k_quads = q.k_quads;
#if HWY_TARGET == HWY_AVX3_DL
  const int flush = 0;  // vpdpbusd accumulates exactly in int32
#else
  const int flush = madd_acc16_flush_steps(pw.plan.weight_bits, pw.plan.act_bits);  // 0: 8b x 8b
#endif
  HWY_ALIGN int32_t partial[HWY_MAX_BYTES / 4];
  for (int m = b.m0; m < b.m1; m += int(2 * L)) {
    for (int n = b.n0; n < b.n1; n += kQuadPixels) {
      const uint8_t* ap[kQuadPixels];
      for (int p = 0; p < kQuadPixels; ++p) ap[p] = ClampedRow<uint8_t>(pa.bytes, n + p, b.n1);
      hn::Vec<decltype(di32)> acc[2][kQuadPixels];
      for (int v = 0; v < 2; ++v)
        for (int p = 0; p < kQuadPixels; ++p) acc[v][p] = hn::Zero(di32);
      if (flush == 0) {
        // Exact 4-way dots into int32 every step (vpdpbusd, or its exact emulation).
        for (int kq = 0; kq < k_quads; ++kq) {
          const int8_t* wrow = q.quad_row(kq) + size_t(m) * 4;
          const auto w0 = hn::LoadU(di8, wrow);
          const auto w1 = hn::LoadU(di8, wrow + 4 * L);
          for (int p = 0; p < kQuadPixels; ++p) {
            uint32_t a4;
            std::memcpy(&a4, ap[p] + 4 * kq, 4);
            const auto a = hn::BitCast(du8, hn::Set(du32, a4));
            acc[0][p] = DotU8S8(di32, acc[0][p], a, w0);
            acc[1][p] = DotU8S8(di32, acc[1][p], a, w1);
          }
        }
      } else {
        // vpmaddubsw pair sums kept in int16 for `flush` steps (provably no overflow).
        for (int k0 = 0; k0 < k_quads; k0 += flush) {
          const int k1 = std::min(k_quads, k0 + flush);
          hn::Vec<decltype(di16)> acc16[2][kQuadPixels];
          for (int v = 0; v < 2; ++v)
            for (int p = 0; p < kQuadPixels; ++p) acc16[v][p] = hn::Zero(di16);
          for (int kq = k0; kq < k1; ++kq) {
            const int8_t* wrow = q.quad_row(kq) + size_t(m) * 4;
            const auto w0 = hn::LoadU(di8, wrow);
            const auto w1 = hn::LoadU(di8, wrow + 4 * L);
            for (int p = 0; p < kQuadPixels; ++p) {
              uint32_t a4;
              std::memcpy(&a4, ap[p] + 4 * kq, 4);
              const auto a = hn::BitCast(du8, hn::Set(du32, a4));
              acc16[0][p] = hn::Add(acc16[0][p], MaddPairsU8S8(di16, a, w0));
              acc16[1][p] = hn::Add(acc16[1][p], MaddPairsU8S8(di16, a, w1));
            }
          }
          for (int v = 0; v < 2; ++v)
            for (int p = 0; p < kQuadPixels; ++p) acc[v][p] = hn::Add(acc[v][p], SumPairsI16(di32, acc16[v][p]));
        }
      }
      for (int p = 0; p < kQuadPixels && n + p < b.n1; ++p) {
        int32_t* out = b.out + size_t(n + p - b.n_origin) * b.ldo;
        for (int v = 0; v < 2; ++v) {
          const int c0 = m + v * int(L);
          const int count = std::min<int>(int(L), b.m1 - c0);
          if (count <= 0) break;
          if (count == int(L)) {
            hn::StoreU(acc[v][p], di32, out + c0);
          } else {
            hn::Store(acc[v][p], di32, partial);
            std::memcpy(out + c0, partial, size_t(count) * sizeof(int32_t));
          }
        }
      }
    }
  }
}

#else   // HWY_TARGET == HWY_SCALAR: one-lane vectors cannot reinterpret bytes, so plain loops.

template <int PW, int PA, bool kSplit>
HWY_INLINE void BitplaneTile(const BitPlaneRows& W, const BitPlaneRows& A, int m, int m_end, int n, int n_end,
                             int64_t (&S)[kMR][kNR]) {
  constexpr int kHalves = kSplit ? 2 : 1;
  const size_t words = (size_t(W.k) + 63) / 64;
  for (int r = 0; r < kMR; ++r) {
    for (int c = 0; c < kNR; ++c) {
      int64_t s = 0;
      for (int i = 0; i < PW; ++i)
        for (int j = 0; j < PA; ++j)
          for (int h = 0; h < kHalves; ++h) {
            const uint64_t* wp = W.plane(std::min(m + r, m_end - 1), i * kHalves + h);
            const uint64_t* ap = A.plane(std::min(n + c, n_end - 1), j * kHalves + h);
            int64_t cnt = 0;
            for (size_t w = 0; w < words; ++w) cnt += __builtin_popcountll(wp[w] & ap[w]);
            s += cnt << (i + j);
          }
      S[r][c] = s;
    }
  }
}

template <typename TW>
HWY_INLINE void ScalarBytesTile(const ByteRows<TW>& W, const ByteRows<uint8_t>& A, int k, int m, int m_end, int n,
                                int n_end, int32_t (&S)[kMR][kNR]) {
  for (int r = 0; r < kMR; ++r) {
    const TW* w = ClampedRow<TW>(W, m + r, m_end);
    for (int c = 0; c < kNR; ++c) {
      const uint8_t* a = ClampedRow<uint8_t>(A, n + c, n_end);
      int32_t s = 0;
      for (int i = 0; i < k; ++i) s += int32_t(w[i]) * int32_t(a[i]);
      S[r][c] = s;
    }
  }
}

HWY_INLINE void MaddAcc16Tile(const PackedWeights& pw, const PackedActivations& pa, int m, int m_end, int n, int n_end,
                              int, int32_t (&S)[kMR][kNR]) {
  ScalarBytesTile(pw.bytes, pa.bytes, pw.plan.k, m, m_end, n, n_end, S);
}
HWY_INLINE void MaddAcc32Tile(const PackedWeights& pw, const PackedActivations& pa, int m, int m_end, int n, int n_end,
                              int32_t (&S)[kMR][kNR]) {
  ScalarBytesTile(pw.bytes, pa.bytes, pw.plan.k, m, m_end, n, n_end, S);
}
HWY_INLINE void MaddS16Tile(const PackedWeights& pw, const PackedActivations& pa, int m, int m_end, int n, int n_end,
                            int32_t (&S)[kMR][kNR]) {
  ScalarBytesTile(pw.words, pa.bytes, pw.plan.k, m, m_end, n, n_end, S);
}
HWY_INLINE void DotU8S8Tile(const PackedWeights& pw, const PackedActivations& pa, int m, int m_end, int n, int n_end,
                            int32_t (&S)[kMR][kNR]) {
  ScalarBytesTile(pw.bytes, pa.bytes, pw.plan.k, m, m_end, n, n_end, S);
}

HWY_INLINE void QuadChannelLanesBlock(const detail::GemmBlock& b) {
  const PackedWeights& pw = *b.w;
  const PackedActivations& pa = *b.a;
  for (int n = b.n0; n < b.n1; ++n) {
    const uint8_t* a = pa.bytes.row(n);
    int32_t* out = b.out + size_t(n - b.n_origin) * b.ldo;
    for (int m = b.m0; m < b.m1; ++m) {
      int32_t s = 0;
      for (int k = 0; k < pw.plan.k; ++k) s += int32_t(pw.quads.at(k, m)) * int32_t(a[k]);
      out[m] = s;
    }
  }
}
#endif  // HWY_TARGET != HWY_SCALAR

// ---------------------------------------------------------------- block driver
template <int PW, int PA, bool kSplit>
void BitplaneBlock(const detail::GemmBlock& b) {
  const PackedWeights& pw = *b.w;
  const PackedActivations& pa = *b.a;
  // Offset-binary correction: w = scale_w * u + offset_w (sign bits: 2b - 1; else u - n).
  const int64_t scale_w = pw.plan.weight_bits == 1 ? 2 : 1;
  const int64_t offset_w = pw.plan.weight_bits == 1 ? -1 : -weight_code_max(pw.plan.weight_bits);
  int64_t S[kMR][kNR];
  for (int m = b.m0; m < b.m1; m += kMR) {
    for (int n = b.n0; n < b.n1; n += kNR) {
      BitplaneTile<PW, PA, kSplit>(pw.bits, pa.bits, m, b.m1, n, b.n1, S);
      for (int c = 0; c < kNR && n + c < b.n1; ++c) {
        const int64_t asum = pa.code_sums[n + c];
        int32_t* out = b.out + size_t(n + c - b.n_origin) * b.ldo;
        for (int r = 0; r < kMR && m + r < b.m1; ++r)
          out[m + r] = static_cast<int32_t>(scale_w * S[r][c] + offset_w * asum);
      }
    }
  }
}

template <class TileFn>
HWY_INLINE void BytesBlock(const detail::GemmBlock& b, const TileFn& tile) {
  int32_t S[kMR][kNR];
  for (int m = b.m0; m < b.m1; m += kMR) {
    for (int n = b.n0; n < b.n1; n += kNR) {
      tile(m, n, S);
      for (int c = 0; c < kNR && n + c < b.n1; ++c) {
        int32_t* out = b.out + size_t(n + c - b.n_origin) * b.ldo;
        for (int r = 0; r < kMR && m + r < b.m1; ++r) out[m + r] = S[r][c];
      }
    }
  }
}

void GemmBlockImpl(const detail::GemmBlock& b) {
  const PackedWeights& pw = *b.w;
  const PackedActivations& pa = *b.a;
  switch (pw.plan.variant) {
    case GemmVariant::kBitplanePopcount: {
      const int key = pw.plan.weight_bits * 10 + pw.plan.act_bits;
      if (key == 11) return BitplaneBlock<1, 1, false>(b);
      if (key == 12) return BitplaneBlock<1, 2, false>(b);
      if (key == 21) return BitplaneBlock<2, 1, false>(b);
      if (key == 22) return BitplaneBlock<2, 2, false>(b);
      break;
    }
    case GemmVariant::kBitplaneNibbleLut: {
      const int key = pw.plan.weight_bits * 10 + pw.plan.act_bits;
      if (key == 11) return BitplaneBlock<1, 1, true>(b);
      if (key == 12) return BitplaneBlock<1, 2, true>(b);
      if (key == 21) return BitplaneBlock<2, 1, true>(b);
      if (key == 22) return BitplaneBlock<2, 2, true>(b);
      break;
    }
    case GemmVariant::kMaddU8S8Acc16: {
      const int flush = madd_acc16_flush_steps(pw.plan.weight_bits, pw.plan.act_bits);
      return BytesBlock(
          b, [&](int m, int n, int32_t(&S)[kMR][kNR]) { MaddAcc16Tile(pw, pa, m, b.m1, n, b.n1, flush, S); });
    }
    case GemmVariant::kMaddU8S8Acc32:
      return BytesBlock(b, [&](int m, int n, int32_t(&S)[kMR][kNR]) { MaddAcc32Tile(pw, pa, m, b.m1, n, b.n1, S); });
    case GemmVariant::kMaddS16:
      return BytesBlock(b, [&](int m, int n, int32_t(&S)[kMR][kNR]) { MaddS16Tile(pw, pa, m, b.m1, n, b.n1, S); });
    case GemmVariant::kQuadChannelLanes:
      return QuadChannelLanesBlock(b);
    case GemmVariant::kDotU8S8:
      return BytesBlock(b, [&](int m, int n, int32_t(&S)[kMR][kNR]) { DotU8S8Tile(pw, pa, m, b.m1, n, b.n1, S); });
    case GemmVariant::kAmxTiles:
      break;  // not a Highway kernel: gemm.cc hands these blocks to run_amx_block
  }
  throw std::invalid_argument(std::string("no kernel for variant ") + gemm_variant_name(pw.plan.variant) + " at " +
                              std::to_string(pw.plan.weight_bits) + "b x " + std::to_string(pw.plan.act_bits) + "b");
}

}  // namespace HWY_NAMESPACE
}  // namespace wrpn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wrpn::kernels {

HWY_EXPORT(GemmBlockImpl);
HWY_EXPORT(TargetNameImpl);

namespace detail {
void run_gemm_block(const GemmBlock& block) { HWY_DYNAMIC_DISPATCH(GemmBlockImpl)(block); }
}  // namespace detail

std::string active_target_name() { return HWY_DYNAMIC_DISPATCH(TargetNameImpl)(); }

bool active_target_has_vnni() { return active_target_name() == "AVX3_DL"; }

std::vector<int64_t> runnable_targets() { return hwy::SupportedAndGeneratedTargets(); }

std::string target_name(int64_t target) { return hwy::TargetName(target); }

void force_target(int64_t target) { hwy::SetSupportedTargetsForTest(target); }

}  // namespace wrpn::kernels
#endif  // HWY_ONCE
