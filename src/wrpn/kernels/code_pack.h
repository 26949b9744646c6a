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

/// Codes held one per byte (each < 2^storage_bits) <-> the packed layout above; storage_bits
/// is 1, 2, 4 (8 is a plain copy and not handled here). SIMD, with scalar twins for the tests.
void interleave_codes(const uint8_t* codes, std::size_t count, int storage_bits, uint8_t* out);
void spread_codes(const uint8_t* packed, std::size_t count, int storage_bits, uint8_t* codes);
void interleave_codes_ref(const uint8_t* codes, std::size_t count, int storage_bits, uint8_t* out);
void spread_codes_ref(const uint8_t* packed, std::size_t count, int storage_bits, uint8_t* codes);

/// Bytes needed for `count` one-bit flags.
inline std::size_t packed_mask_bytes(std::size_t count) { return (count + 7) / 8; }

/// Bit i = (lo <= x[i] <= hi): where the clamp passes the gradient.
void pack_clip_mask(const float* x, std::size_t count, float lo, float hi, uint8_t* out);

/// grad_in[i] = bit i ? g[i] : 0.
void apply_mask(const uint8_t* mask, const float* g, std::size_t count, float* grad_in);

/// The activation quantizer's training forward with packed saving, in one pass over x:
/// out = fake_quantize(x, 0, 1, levels) (the same bits), its codes packed as pack_codes(out)
/// would, and the clip mask as pack_clip_mask(x, 0, 1) would. `count` codes of `bits` bits.
void quantize_and_pack(const float* x, std::size_t count, int bits, float levels, float* out, uint8_t* codes,
                       uint8_t* mask);

/// Scalar twins of the two mask kernels (the SIMD versions are tested against them).
void pack_clip_mask_ref(const float* x, std::size_t count, float lo, float hi, uint8_t* out);
void apply_mask_ref(const uint8_t* mask, const float* g, std::size_t count, float* grad_in);

}  // namespace kernels
}  // namespace wrpn
