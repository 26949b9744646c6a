#include "wrpn/kernels/code_pack.h"

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

}  // namespace HWY_NAMESPACE
}  // namespace kernels
}  // namespace wrpn
HWY_AFTER_NAMESPACE();

#if HWY_ONCE

#include <algorithm>
#include <cstring>

namespace wrpn {
namespace kernels {
namespace {

// Round half to even without a libm call: adding and subtracting 1.5 * 2^23 leaves the
// nearest integer (ties to even) for |v| < 2^22, and vectorises. Larger values are off the
// grid anyway and fail the exactness check.
inline float round_even(float v) {
  constexpr float kMagic = 12582912.0f;
  return (v + kMagic) - kMagic;
}

}  // namespace

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

bool pack_codes(const float* x, std::size_t count, int bits, float levels, uint8_t* out) {
  const int b = code_storage_bits(bits);
  const std::size_t per_byte = std::size_t(8 / b);
  const std::size_t bytes = packed_code_bytes(count, bits);
  bool on_grid = true;
  for (std::size_t byte = 0; byte < bytes; ++byte) {
    const std::size_t first = byte * per_byte;
    const std::size_t n = std::min(per_byte, count - first);
    unsigned packed = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const float v = x[first + j];
      const float code = std::min(std::max(round_even(v * levels), 0.0f), levels);
      on_grid &= code / levels == v;
      packed |= unsigned(code) << (j * std::size_t(b));
    }
    out[byte] = uint8_t(packed);
  }
  return on_grid;
}

void unpack_codes(const uint8_t* packed, std::size_t count, int bits, float levels, float* out) {
  const int b = code_storage_bits(bits);
  const std::size_t per_byte = std::size_t(8 / b);
  const unsigned mask = (1u << b) - 1u;
  const std::size_t bytes = packed_code_bytes(count, bits);
  for (std::size_t byte = 0; byte < bytes; ++byte) {
    const std::size_t first = byte * per_byte;
    const std::size_t n = std::min(per_byte, count - first);
    const unsigned v = packed[byte];
    for (std::size_t j = 0; j < n; ++j) {
      out[first + j] = float((v >> (j * std::size_t(b))) & mask) / levels;
    }
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

HWY_EXPORT(PackClipMask);
HWY_EXPORT(ApplyMask);

void pack_clip_mask(const float* x, std::size_t count, float lo, float hi, uint8_t* out) {
  HWY_DYNAMIC_DISPATCH(PackClipMask)(x, count, lo, hi, out);
}

void apply_mask(const uint8_t* mask, const float* g, std::size_t count, float* grad_in) {
  HWY_DYNAMIC_DISPATCH(ApplyMask)(mask, g, count, grad_in);
}

}  // namespace kernels
}  // namespace wrpn
#endif  // HWY_ONCE
