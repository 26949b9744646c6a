#include "wrpn/kernels/code_pack.h"

#include <algorithm>
#include <cmath>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "wrpn/kernels/code_pack.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

// The clip masks: 8 floats -> one byte of mask bits per vector step where vectors hold at least
// 8 floats (AVX2, AVX-512); narrower targets use the scalar twin.
HWY_BEFORE_NAMESPACE();
namespace wrpn {
namespace kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void PackClipMask(const float* HWY_RESTRICT x, size_t count, float lo, float hi, uint8_t* out) {
  const hn::CappedTag<float, 8> d;
  size_t i = 0;
  if (hn::Lanes(d) == 8) {
    const auto vlo = hn::Set(d, lo);
    const auto vhi = hn::Set(d, hi);
    for (; i + 8 <= count; i += 8) {
      const auto v = hn::LoadU(d, x + i);
      hn::StoreMaskBits(d, hn::And(hn::Ge(v, vlo), hn::Le(v, vhi)), out + i / 8);
    }
  }
  pack_clip_mask_ref(x + i, count - i, lo, hi, out + i / 8);
}

void ApplyMask(const uint8_t* HWY_RESTRICT mask, const float* g, size_t count, float* grad_in) {
  const hn::CappedTag<float, 8> d;
  size_t i = 0;
  if (hn::Lanes(d) == 8) {
    for (; i + 8 <= count; i += 8) {
      const auto m = hn::LoadMaskBits(d, mask + i / 8);
      hn::StoreU(hn::IfThenElseZero(m, hn::LoadU(d, g + i)), d, grad_in + i);
    }
  }
  apply_mask_ref(mask + i / 8, g + i, count - i, grad_in + i);
}

// Floats -> uint8 codes, one code per byte; returns false when some value is off the grid.
bool FloatsToCodes(const float* HWY_RESTRICT x, size_t count, float levels, uint8_t* codes) {
  const hn::ScalableTag<float> d;
  const hn::Rebind<int32_t, decltype(d)> di;
  const hn::Rebind<uint8_t, decltype(d)> du8;
  const size_t lanes = hn::Lanes(d);
  const auto vlevels = hn::Set(d, levels);
  const auto zero = hn::Zero(d);
  auto bad = hn::FirstN(d, 0);  // all false
  size_t i = 0;
  for (; i + lanes <= count; i += lanes) {
    const auto v = hn::LoadU(d, x + i);
    const auto code = hn::Min(hn::Max(hn::Round(hn::Mul(v, vlevels)), zero), vlevels);
    bad = hn::Or(bad, hn::Ne(hn::Div(code, vlevels), v));
    hn::StoreU(hn::DemoteTo(du8, hn::ConvertTo(di, code)), du8, codes + i);
  }
  bool ok = hn::AllFalse(d, bad);
  for (; i < count; ++i) {
    const float code = std::min(std::max(std::nearbyint(x[i] * levels), 0.0f), levels);
    ok &= code / levels == x[i];
    codes[i] = uint8_t(code);
  }
  return ok;
}

// uint8 codes -> floats code / levels.
void CodesToFloats(const uint8_t* HWY_RESTRICT codes, size_t count, float levels, float* out) {
  const hn::ScalableTag<float> d;
  const hn::Rebind<int32_t, decltype(d)> di;
  const hn::Rebind<uint8_t, decltype(d)> du8;
  const size_t lanes = hn::Lanes(d);
  const auto vlevels = hn::Set(d, levels);
  size_t i = 0;
  for (; i + lanes <= count; i += lanes) {
    const auto c = hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(du8, codes + i)));
    hn::StoreU(hn::Div(c, vlevels), d, out + i);
  }
  for (; i < count; ++i) out[i] = float(codes[i]) / levels;
}

}  // namespace HWY_NAMESPACE
}  // namespace kernels
}  // namespace wrpn
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include <algorithm>
#include <cmath>
#include <cstring>

namespace wrpn {
namespace kernels {

HWY_EXPORT(FloatsToCodes);
HWY_EXPORT(CodesToFloats);
HWY_EXPORT(PackClipMask);
HWY_EXPORT(ApplyMask);

int code_storage_bits(int bits) {
  if (bits <= 1) return 1;
  if (bits == 2) return 2;
  if (bits <= 4) return 4;
  return 8;
}

std::size_t packed_code_bytes(std::size_t count, int bits) {
  const std::size_t per_byte = std::size_t(8 / code_storage_bits(bits));
  return (count + per_byte - 1) / per_byte;
}

// Codes are converted in chunks with SIMD (the float work), then bit-packed from bytes.
constexpr std::size_t kCodeChunk = 1024;

bool pack_codes(const float* x, std::size_t count, int bits, float levels, uint8_t* out) {
  const int b = code_storage_bits(bits);
  const std::size_t per_byte = std::size_t(8 / b);
  uint8_t codes[kCodeChunk];
  bool on_grid = true;
  for (std::size_t first = 0; first < count; first += kCodeChunk) {
    const std::size_t n = std::min(kCodeChunk, count - first);
    uint8_t* dst = out + first / per_byte;
    if (per_byte == 1) {
      on_grid &= HWY_DYNAMIC_DISPATCH(FloatsToCodes)(x + first, n, levels, dst);
      continue;
    }
    on_grid &= HWY_DYNAMIC_DISPATCH(FloatsToCodes)(x + first, n, levels, codes);
    const std::size_t bytes = (n + per_byte - 1) / per_byte;
    for (std::size_t byte = 0; byte < bytes; ++byte) {
      unsigned packed = 0;
      const std::size_t m = std::min(per_byte, n - byte * per_byte);
      for (std::size_t j = 0; j < m; ++j) packed |= unsigned(codes[byte * per_byte + j]) << (j * std::size_t(b));
      dst[byte] = uint8_t(packed);
    }
  }
  return on_grid;
}

void unpack_codes(const uint8_t* packed, std::size_t count, int bits, float levels, float* out) {
  const int b = code_storage_bits(bits);
  const std::size_t per_byte = std::size_t(8 / b);
  const unsigned mask = (1u << b) - 1u;
  uint8_t codes[kCodeChunk];
  for (std::size_t first = 0; first < count; first += kCodeChunk) {
    const std::size_t n = std::min(kCodeChunk, count - first);
    const uint8_t* src = packed + first / per_byte;
    if (per_byte == 1) {
      HWY_DYNAMIC_DISPATCH(CodesToFloats)(src, n, levels, out + first);
      continue;
    }
    const std::size_t bytes = (n + per_byte - 1) / per_byte;
    for (std::size_t byte = 0; byte < bytes; ++byte) {
      const unsigned v = src[byte];
      const std::size_t m = std::min(per_byte, n - byte * per_byte);
      for (std::size_t j = 0; j < m; ++j) {
        codes[byte * per_byte + j] = uint8_t((v >> (j * std::size_t(b))) & mask);
      }
    }
    HWY_DYNAMIC_DISPATCH(CodesToFloats)(codes, n, levels, out + first);
  }
}

void pack_clip_mask_ref(const float* x, std::size_t count, float lo, float hi, uint8_t* out) {
  const std::size_t bytes = packed_mask_bytes(count);
  for (std::size_t byte = 0; byte < bytes; ++byte) {
    const std::size_t first = byte * 8;
    const std::size_t n = std::min<std::size_t>(8, count - first);
    unsigned packed = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const float v = x[first + j];
      packed |= unsigned(v >= lo && v <= hi) << j;
    }
    out[byte] = uint8_t(packed);
  }
}

void apply_mask_ref(const uint8_t* mask, const float* g, std::size_t count, float* grad_in) {
  const std::size_t bytes = packed_mask_bytes(count);
  for (std::size_t byte = 0; byte < bytes; ++byte) {
    const std::size_t first = byte * 8;
    const std::size_t n = std::min<std::size_t>(8, count - first);
    const unsigned m = mask[byte];
    for (std::size_t j = 0; j < n; ++j) {
      grad_in[first + j] = ((m >> j) & 1u) ? g[first + j] : 0.0f;
    }
  }
}


void pack_clip_mask(const float* x, std::size_t count, float lo, float hi, uint8_t* out) {
  HWY_DYNAMIC_DISPATCH(PackClipMask)(x, count, lo, hi, out);
}

void apply_mask(const uint8_t* mask, const float* g, std::size_t count, float* grad_in) {
  HWY_DYNAMIC_DISPATCH(ApplyMask)(mask, g, count, grad_in);
}

}  // namespace kernels
}  // namespace wrpn
#endif  // HWY_ONCE
