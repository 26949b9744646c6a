#include "wrpn/kernels/code_pack.h"

#include <cmath>
#include <cstring>

namespace wrpn {
namespace kernels {

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
  std::memset(out, 0, packed_code_bytes(count, bits));
  bool on_grid = true;
  for (std::size_t i = 0; i < count; ++i) {
    const float code = std::nearbyint(x[i] * levels);
    on_grid &= (code >= 0.0f) & (code <= levels) & (code / levels == x[i]);
    const unsigned c = on_grid ? unsigned(code) : 0u;
    out[i / per_byte] |= uint8_t(c << ((i % per_byte) * std::size_t(b)));
  }
  return on_grid;
}

void unpack_codes(const uint8_t* packed, std::size_t count, int bits, float levels, float* out) {
  const int b = code_storage_bits(bits);
  const std::size_t per_byte = std::size_t(8 / b);
  const unsigned mask = (1u << b) - 1u;
  for (std::size_t i = 0; i < count; ++i) {
    const unsigned c = (packed[i / per_byte] >> ((i % per_byte) * std::size_t(b))) & mask;
    out[i] = float(c) / levels;
  }
}

void pack_clip_mask(const float* x, std::size_t count, float lo, float hi, uint8_t* out) {
  std::memset(out, 0, packed_mask_bytes(count));
  for (std::size_t i = 0; i < count; ++i) {
    out[i / 8] |= uint8_t(unsigned(x[i] >= lo && x[i] <= hi) << (i % 8));
  }
}

void apply_mask(const uint8_t* mask, const float* g, std::size_t count, float* grad_in) {
  for (std::size_t i = 0; i < count; ++i) {
    grad_in[i] = ((mask[i / 8] >> (i % 8)) & 1u) ? g[i] : 0.0f;
  }
}

}  // namespace kernels
}  // namespace wrpn
