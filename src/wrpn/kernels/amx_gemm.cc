// The AMX-INT8 block kernel: 2 x 2 accumulator tiles (32 pixels x 32 channels) of
// tdpbusd, u8 activation codes (A) x s8 weight codes (B, format_amx_tiles.h) -> s32.
// Compiled with -mamx-tile -mamx-int8 where the compiler has them; run only when
// amx_tier_enabled() (amx_support.h). The reference twin is gemm_ref.cc, as for every tier.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "wrpn/kernels/amx_support.h"
#include "wrpn/kernels/gemm_block.h"

#if defined(__AMX_TILE__) && defined(__AMX_INT8__)
#include <immintrin.h>

namespace wrpn::kernels::detail {
namespace {

// The 64-byte LDTILECFG operand (palette 1).
struct TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};
static_assert(sizeof(TileConfig) == 64, "LDTILECFG reads 64 bytes");

// Tiles 0-3: C (int32 accumulators), 4-5: A (pixels), 6-7: B (channels); all 16 x 64 bytes.
// Tile state is per thread: each task configures it on entry and releases it on exit,
// so a worker never holds tile state between tasks (and other AMX users, e.g. oneDNN,
// may reconfigure tiles on the same thread in between).
class TileSession {
 public:
  TileSession() {
    TileConfig cfg;
    for (int t = 0; t < 8; ++t) {
      cfg.colsb[t] = kAmxTileBytes;
      cfg.rows[t] = kAmxTileRows;
    }
    _tile_loadconfig(&cfg);
  }
  ~TileSession() { _tile_release(); }
  TileSession(const TileSession&) = delete;
  TileSession& operator=(const TileSession&) = delete;
};

// Writes the valid rows x channels of a 16 x 16 int32 tile staged in `part`.
void copy_partial(const int32_t* part, int rows, int cols, int32_t* out, size_t ldo) {
  for (int r = 0; r < rows; ++r) std::memcpy(out + size_t(r) * ldo, part + r * kAmxTileChannels, size_t(cols) * 4);
}

}  // namespace

}  // namespace wrpn::kernels::detail

namespace wrpn::kernels {
bool amx_kernels_built() { return true; }
}  // namespace wrpn::kernels

namespace wrpn::kernels::detail {

void run_amx_block(const GemmBlock& b) {
  const AmxTiles& W = b.w->tiles;
  const ByteRows<uint8_t>& A = b.a->bytes;
  if (b.m0 % (2 * kAmxTileChannels) != 0 || b.n0 % kAmxPixelRowsPad != 0 ||
      A.data.size() < size_t((b.n1 + kAmxPixelRowsPad - 1) / kAmxPixelRowsPad * kAmxPixelRowsPad) * A.stride) {
    throw std::logic_error("AMX block misaligned or activation rows not padded to 32");
  }
  const long a_stride = static_cast<long>(A.stride);
  const long c_stride = static_cast<long>(b.ldo * sizeof(int32_t));
  alignas(64) int32_t part[kAmxTileRows * kAmxTileChannels];
  TileSession session;
  // Pixel pairs outer, channel pairs inner: the pair's A rows (32 x K codes) stay in L1/L2
  // across the block's channels, the block's B tiles (<= ~128 KiB) in L2. The next pair's
  // A rows are prefetched while the first channel pair runs: tile loads that miss to DRAM
  // stall on 16 lines each, and the hardware prefetchers do not cover them.
  for (int n = b.n0; n < b.n1; n += 2 * kAmxTileRows) {
    const uint8_t* a0 = A.row(n);
    const uint8_t* a1 = A.row(n + kAmxTileRows);
    const bool prefetch = n + 2 * kAmxTileRows < b.n1;
    const uint8_t* next = prefetch ? A.row(n + 2 * kAmxTileRows) : nullptr;
    for (int m = b.m0; m < b.m1; m += 2 * kAmxTileChannels) {
      const int g = m / kAmxTileChannels;
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
      for (int c = 0; c < W.k_chunks; ++c) {
        if (prefetch && m == b.m0) {
          for (int r = 0; r < 2 * kAmxTileRows; ++r)
            _mm_prefetch(reinterpret_cast<const char*>(next + size_t(r) * A.stride + size_t(c) * kAmxTileK),
                         _MM_HINT_T0);
        }
        _tile_loadd(4, a0 + size_t(c) * kAmxTileK, a_stride);
        _tile_loadd(5, a1 + size_t(c) * kAmxTileK, a_stride);
        _tile_loadd(6, W.tile(g, c), kAmxTileBytes);
        _tile_loadd(7, W.tile(g + 1, c), kAmxTileBytes);
        _tile_dpbusd(0, 4, 6);
        _tile_dpbusd(1, 4, 7);
        _tile_dpbusd(2, 5, 6);
        _tile_dpbusd(3, 5, 7);
      }
      // C tile (i, j): pixels n + 16 i, channels m + 16 j; tails go through `part`.
      const int rows0 = std::min(kAmxTileRows, b.n1 - n);
      const int rows1 = std::min(kAmxTileRows, b.n1 - n - kAmxTileRows);
      const int cols0 = std::min(kAmxTileChannels, b.m1 - m);
      const int cols1 = std::min(kAmxTileChannels, b.m1 - m - kAmxTileChannels);
      int32_t* o0 = b.out + size_t(n - b.n_origin) * b.ldo + m;
      int32_t* o1 = o0 + size_t(kAmxTileRows) * b.ldo;
#define WRPN_STORE_C(T, ROWS, COLS, OUT, COL0)                   \
  if ((ROWS) > 0 && (COLS) > 0) {                                \
    if ((ROWS) == kAmxTileRows && (COLS) == kAmxTileChannels) {  \
      _tile_stored(T, (OUT) + (COL0), c_stride);                 \
    } else {                                                     \
      _tile_stored(T, part, kAmxTileChannels * sizeof(int32_t)); \
      copy_partial(part, ROWS, COLS, (OUT) + (COL0), b.ldo);     \
    }                                                            \
  }
      WRPN_STORE_C(0, rows0, cols0, o0, 0)
      WRPN_STORE_C(1, rows0, cols1, o0, kAmxTileChannels)
      WRPN_STORE_C(2, rows1, cols0, o1, 0)
      WRPN_STORE_C(3, rows1, cols1, o1, kAmxTileChannels)
#undef WRPN_STORE_C
    }
  }
}

}  // namespace wrpn::kernels::detail

#else  // no AMX in this compiler or on this architecture: the tier is never selected

namespace wrpn::kernels {
bool amx_kernels_built() { return false; }
}  // namespace wrpn::kernels

namespace wrpn::kernels::detail {
void run_amx_block(const GemmBlock&) { throw std::logic_error("wrpn was built without the AMX-INT8 kernels"); }
}  // namespace wrpn::kernels::detail

#endif
