// Byte-row format: one row per output channel (weights) or per output pixel
// (activations), K codes stored one per element, K-contiguous, each row padded
// with zero codes to a multiple of kByteRowPadElements. Used by the
// multiply-add kernels for 3..8-bit operands (and any pair they are chosen for).
//   weights:     int8  signed codes -n..n as they are (no offset), or +1/-1 at 1 bit;
//                int16 copies of the same codes for the 16-bit madd variant;
//   activations: uint8 codes 0..2^k_a-1.
// A zero code in the padding contributes 0 to every product, so the kernels may
// read whole vectors up to the padded length (the over-read is named below).
#pragma once

#include <cstddef>
#include <cstdint>

#include "wrpn/kernels/aligned_buffer.h"

namespace wrpn::kernels {

// Elements each row is padded to: 64 bytes of int8, the widest vector (AVX-512).
constexpr size_t kByteRowPadElements = 64;
static_assert(kByteRowPadElements % 64 == 0, "rows must cover a whole AVX-512 vector of bytes");

template <typename T>
struct ByteRows {
  static_assert(sizeof(T) <= 2, "byte rows hold 8- or 16-bit codes");
  int rows = 0;           // number of rows (channels or pixels)
  int k = 0;              // codes per row that carry data
  size_t stride = 0;      // elements between rows: k rounded up to kByteRowPadElements
  AlignedBuffer<T> data;  // rows * stride elements, padding zero

  ByteRows() = default;
  ByteRows(int rows_, int k_)
      : rows(rows_),
        k(k_),
        stride(((size_t(k_) + kByteRowPadElements - 1) / kByteRowPadElements) * kByteRowPadElements),
        data(size_t(rows_) * stride) {}
  T* row(int r) { return data.data() + size_t(r) * stride; }
  const T* row(int r) const { return data.data() + size_t(r) * stride; }
};

}  // namespace wrpn::kernels
