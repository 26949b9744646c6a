#include "amx_peak.h"

#include "wrpn/kernels/amx_support.h"

#if defined(__AMX_TILE__) && defined(__AMX_INT8__)
#include <immintrin.h>

namespace wrpn::bench {

uint64_t run_amx_peak(uint64_t iters) {
  if (!wrpn::kernels::amx_tier_enabled()) return 0;
  alignas(64) uint8_t cfg[64] = {};
  cfg[0] = 1;  // palette 1; tiles 0-7: 16 rows x 64 bytes
  for (int t = 0; t < 8; ++t) {
    cfg[16 + 2 * t] = 64;
    cfg[48 + t] = 16;
  }
  alignas(64) static uint8_t operand[16 * 64];
  for (int i = 0; i < 16 * 64; ++i) operand[i] = uint8_t(1 + i % 7);
  _tile_loadconfig(cfg);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, operand, 64);
  _tile_loadd(5, operand, 64);
  _tile_loadd(6, operand, 64);
  _tile_loadd(7, operand, 64);
  for (uint64_t i = 0; i < iters; ++i) {
    _tile_dpbusd(0, 4, 6);
    _tile_dpbusd(1, 4, 7);
    _tile_dpbusd(2, 5, 6);
    _tile_dpbusd(3, 5, 7);
  }
  alignas(64) static thread_local int32_t sink[16 * 16];
  _tile_stored(0, sink, 64);
  _tile_release();
  return iters * 4 * 16 * 16 * 64;
}

}  // namespace wrpn::bench

#else

namespace wrpn::bench {
uint64_t run_amx_peak(uint64_t) { return 0; }
}  // namespace wrpn::bench

#endif
