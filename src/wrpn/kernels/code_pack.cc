#include "wrpn/kernels/code_pack.h"

#include "wrpn/kernels/fake_quantize.h"

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

// The activation quantizer fused with its saving: out = round(n * clamp(x, 0, 1)) / n with the
// very operations of FakeQuantize (so the same bits), the codes as bytes, and the clip mask
// bits, from one load of x. Whole vectors of a multiple of 8 lanes; returns the elements done.
size_t QuantizeMaskCodes(const float* HWY_RESTRICT x, size_t count, float levels, float* HWY_RESTRICT out,
                         uint8_t* HWY_RESTRICT codes, uint8_t* HWY_RESTRICT mask) {
  const hn::ScalableTag<float> d;
  const hn::Rebind<int32_t, decltype(d)> di;
  const hn::Rebind<uint8_t, decltype(d)> du8;
  const size_t lanes = hn::Lanes(d);
  if (lanes % 8 != 0) return 0;
  const auto zero = hn::Zero(d);
  const auto one = hn::Set(d, 1.0f);
  const auto vlevels = hn::Set(d, levels);
  size_t i = 0;
  for (; i + lanes <= count; i += lanes) {
    const auto v = hn::LoadU(d, x + i);
    hn::StoreMaskBits(d, hn::And(hn::Ge(v, zero), hn::Le(v, one)), mask + i / 8);
    const auto code = hn::Round(hn::Mul(hn::Min(hn::Max(v, zero), one), vlevels));
    hn::StoreU(hn::Add(hn::Div(code, vlevels), zero), d, out + i);
    hn::StoreU(hn::DemoteTo(du8, hn::ConvertTo(di, code)), du8, codes + i);
  }
  return i;
}

// One code per byte (each < 2^b) -> b-bit fields, `count` a multiple of the u8 lanes; returns
// the codes done (0 where this target has no SIMD path). Lanes are little-endian, so in a u16
// lane holding codes c0 c1 the packed byte c0 | c1 << 4 is the low byte of v | v >> 4.
size_t InterleaveCodes(const uint8_t* HWY_RESTRICT codes, size_t count, int b, uint8_t* HWY_RESTRICT out) {
#if HWY_TARGET == HWY_SCALAR
  (void)codes, (void)count, (void)b, (void)out;
  return 0;
#else
  const hn::ScalableTag<uint8_t> d8;
  const size_t n8 = hn::Lanes(d8);
  size_t i = 0;
  if (b == 4) {
    const hn::Repartition<uint16_t, decltype(d8)> d16;
    const hn::Rebind<uint8_t, decltype(d16)> d8_half;
    for (; i + n8 <= count; i += n8) {
      const auto v = hn::BitCast(d16, hn::LoadU(d8, codes + i));
      hn::StoreU(hn::TruncateTo(d8_half, hn::Or(v, hn::ShiftRight<4>(v))), d8_half, out + i / 2);
    }
  } else if (b == 2) {
    // u32 lane c0 c1 c2 c3: first pairs (c0 | c1 << 2 in each u16 half), then the two halves.
    const hn::Repartition<uint32_t, decltype(d8)> d32;
    const hn::Rebind<uint8_t, decltype(d32)> d8_quarter;
    const auto pair_bits = hn::Set(d32, 0x000F000Fu);
    for (; i + n8 <= count; i += n8) {
      auto v = hn::BitCast(d32, hn::LoadU(d8, codes + i));
      v = hn::And(hn::Or(v, hn::ShiftRight<6>(v)), pair_bits);
      hn::StoreU(hn::TruncateTo(d8_quarter, hn::Or(v, hn::ShiftRight<12>(v))), d8_quarter, out + i / 4);
    }
  } else if (b == 1 && n8 % 8 == 0) {
    const auto zero = hn::Zero(d8);
    for (; i + n8 <= count; i += n8) {
      hn::StoreMaskBits(d8, hn::Ne(hn::LoadU(d8, codes + i), zero), out + i / 8);
    }
  }
  return i;
#endif
}

// The inverse: b-bit fields -> one code per byte; returns the codes done.
size_t SpreadCodes(const uint8_t* HWY_RESTRICT packed, size_t count, int b, uint8_t* HWY_RESTRICT codes) {
#if HWY_TARGET == HWY_SCALAR
  (void)packed, (void)count, (void)b, (void)codes;
  return 0;
#else
  const hn::ScalableTag<uint8_t> d8;
  const size_t n8 = hn::Lanes(d8);
  size_t i = 0;
  if (b == 4) {
    const hn::Repartition<uint16_t, decltype(d8)> d16;
    const hn::Rebind<uint8_t, decltype(d16)> d8_half;
    const auto lo = hn::Set(d16, 0x0F), hi = hn::Set(d16, 0xF0);
    for (; i + n8 <= count; i += n8) {
      const auto p = hn::PromoteTo(d16, hn::LoadU(d8_half, packed + i / 2));
      const auto v = hn::Or(hn::And(p, lo), hn::ShiftLeft<4>(hn::And(p, hi)));
      hn::StoreU(hn::BitCast(d8, v), d8, codes + i);
    }
  } else if (b == 2) {
    const hn::Repartition<uint32_t, decltype(d8)> d32;
    const hn::Rebind<uint8_t, decltype(d32)> d8_quarter;
    const auto f0 = hn::Set(d32, 0x03u), f1 = hn::Set(d32, 0x0Cu);
    const auto f2 = hn::Set(d32, 0x30u), f3 = hn::Set(d32, 0xC0u);
    for (; i + n8 <= count; i += n8) {
      const auto p = hn::PromoteTo(d32, hn::LoadU(d8_quarter, packed + i / 4));
      const auto v = hn::Or(hn::Or(hn::And(p, f0), hn::ShiftLeft<6>(hn::And(p, f1))),
                            hn::Or(hn::ShiftLeft<12>(hn::And(p, f2)), hn::ShiftLeft<18>(hn::And(p, f3))));
      hn::StoreU(hn::BitCast(d8, v), d8, codes + i);
    }
  } else if (b == 1 && n8 % 8 == 0) {
    const auto one = hn::Set(d8, 1);
    for (; i + n8 <= count; i += n8) {
      hn::StoreU(hn::IfThenElseZero(hn::LoadMaskBits(d8, packed + i / 8), one), d8, codes + i);
    }
  }
  return i;
#endif
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
HWY_EXPORT(InterleaveCodes);
HWY_EXPORT(SpreadCodes);
HWY_EXPORT(QuantizeMaskCodes);

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

void interleave_codes_ref(const uint8_t* codes, std::size_t count, int storage_bits, uint8_t* out) {
  const std::size_t per_byte = std::size_t(8 / storage_bits);
  const std::size_t bytes = (count + per_byte - 1) / per_byte;
  for (std::size_t byte = 0; byte < bytes; ++byte) {
    unsigned packed = 0;
    const std::size_t m = std::min(per_byte, count - byte * per_byte);
    for (std::size_t j = 0; j < m; ++j) {
      packed |= unsigned(codes[byte * per_byte + j]) << (j * std::size_t(storage_bits));
    }
    out[byte] = uint8_t(packed);
  }
}

void spread_codes_ref(const uint8_t* packed, std::size_t count, int storage_bits, uint8_t* codes) {
  const std::size_t per_byte = std::size_t(8 / storage_bits);
  const unsigned mask = (1u << storage_bits) - 1u;
  for (std::size_t i = 0; i < count; ++i) {
    const unsigned shift = unsigned((i % per_byte) * std::size_t(storage_bits));
    codes[i] = uint8_t((packed[i / per_byte] >> shift) & mask);
  }
}

// Whole vectors with SIMD, the tail (which starts on a byte boundary: vectors hold a multiple
// of 8 codes) with the scalar twin.
void interleave_codes(const uint8_t* codes, std::size_t count, int storage_bits, uint8_t* out) {
  const std::size_t done = HWY_DYNAMIC_DISPATCH(InterleaveCodes)(codes, count, storage_bits, out);
  interleave_codes_ref(codes + done, count - done, storage_bits, out + done * std::size_t(storage_bits) / 8);
}

void spread_codes(const uint8_t* packed, std::size_t count, int storage_bits, uint8_t* codes) {
  const std::size_t done = HWY_DYNAMIC_DISPATCH(SpreadCodes)(packed, count, storage_bits, codes);
  spread_codes_ref(packed + done * std::size_t(storage_bits) / 8, count - done, storage_bits, codes + done);
}

// Codes are converted in L1-sized chunks: floats <-> one code per byte, then (un)interleaved.
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
    interleave_codes(codes, n, b, dst);
  }
  return on_grid;
}

void unpack_codes(const uint8_t* packed, std::size_t count, int bits, float levels, float* out) {
  const int b = code_storage_bits(bits);
  const std::size_t per_byte = std::size_t(8 / b);
  uint8_t codes[kCodeChunk];
  for (std::size_t first = 0; first < count; first += kCodeChunk) {
    const std::size_t n = std::min(kCodeChunk, count - first);
    const uint8_t* src = packed + first / per_byte;
    if (per_byte == 1) {
      HWY_DYNAMIC_DISPATCH(CodesToFloats)(src, n, levels, out + first);
      continue;
    }
    spread_codes(src, n, b, codes);
    HWY_DYNAMIC_DISPATCH(CodesToFloats)(codes, n, levels, out + first);
  }
}

// Chunk by chunk: the codes are interleaved while still in L1. A tail shorter than a vector
// goes through the scalar twins (it starts on a mask byte: vectors hold a multiple of 8 lanes).
void quantize_and_pack(const float* x, std::size_t count, int bits, float levels, float* out, uint8_t* codes,
                       uint8_t* mask) {
  const int b = code_storage_bits(bits);
  const std::size_t per_byte = std::size_t(8 / b);
  uint8_t chunk_codes[kCodeChunk];
  for (std::size_t first = 0; first < count; first += kCodeChunk) {
    const std::size_t n = std::min(kCodeChunk, count - first);
    uint8_t* byte_codes = per_byte == 1 ? codes + first : chunk_codes;
    const std::size_t done =
        HWY_DYNAMIC_DISPATCH(QuantizeMaskCodes)(x + first, n, levels, out + first, byte_codes, mask + first / 8);
    if (done < n) {
      pack_clip_mask_ref(x + first + done, n - done, 0.0f, 1.0f, mask + (first + done) / 8);
      fake_quantize_ref(x + first + done, out + first + done, n - done, 0.0f, 1.0f, levels);
      for (std::size_t i = done; i < n; ++i) {
        byte_codes[i] = uint8_t(std::nearbyint(out[first + i] * levels));
      }
    }
    if (per_byte > 1) interleave_codes(chunk_codes, n, b, codes + first / per_byte);
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
