// Packing of quantized activations for the backward pass (training memory, issue 8): k-bit
// codes stored in 1, 2, 4 or 8 bits, and 1-bit clip masks. Plain loops over raw arrays.
//
// Layout: code i lives in byte i / (8 / b) at bit offset (i % (8 / b)) * b, b = storage bits;
// padding bits of the last byte are zero.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wrpn {
namespace kernels {

/// Storage bits for k-bit codes: 1, 2, 4 or 8 (3 bits use 4; 5..8 bits use 8).
int code_storage_bits(int bits);

/// Bytes needed for `count` codes of `bits` bits.
std::size_t packed_code_bytes(std::size_t count, int bits);

/// Packs code = nearbyint(x * levels) of every x. Returns false (and the output is then
/// meaningless) when some x is not exactly code / levels, i.e. not on the quantizer's grid.
bool pack_codes(const float* x, std::size_t count, int bits, float levels, uint8_t* out);

/// x = code / levels: exactly the float the activation quantizer produced.
void unpack_codes(const uint8_t* packed, std::size_t count, int bits, float levels, float* out);

/// Bytes needed for `count` one-bit flags.
inline std::size_t packed_mask_bytes(std::size_t count) { return (count + 7) / 8; }

/// Bit i = (lo <= x[i] <= hi): where the clamp passes the gradient.
void pack_clip_mask(const float* x, std::size_t count, float lo, float hi, uint8_t* out);

/// grad_in[i] = bit i ? g[i] : 0.
void apply_mask(const uint8_t* mask, const float* g, std::size_t count, float* grad_in);

/// Scalar twins of the two mask kernels (the SIMD versions are tested against them).
void pack_clip_mask_ref(const float* x, std::size_t count, float lo, float hi, uint8_t* out);
void apply_mask_ref(const uint8_t* mask, const float* g, std::size_t count, float* grad_in);

}  // namespace kernels
}  // namespace wrpn
