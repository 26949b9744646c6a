// Bit-plane format: row r's K codes split into `planes` bit-planes, plane p
// holding bit p of every code; bit k of a plane is bit (k % 64) of 64-bit word
// (k / 64), least significant first. Each plane is padded with zero words to a
// multiple of kBitPlanePadWords, so kernels may read whole vectors (the
// over-read) and padding never adds to a popcount.
//   weights, k_w >= 2: offset binary u = w + n (0..2n), k_w planes;
//   weights, k_w == 1: one plane, bit = 1 for +1 (code >= 0), 0 for -1;
//   activations:       codes 0..2^k_a-1, k_a planes.
// Layout: data[((r * planes) + p) * words_per_plane + word].
//
// Nibble-split variant (kBitplaneNibbleLut, for CPUs without a byte popcount):
// each plane p is stored as two planes, 2p = its bits & 0x0F in every byte and
// 2p+1 = (its bits >> 4) & 0x0F, so a 16-entry byte LUT (pshufb) counts an AND
// directly; `planes` is then twice the code bits and the words per plane are unchanged.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wrpn/kernels/aligned_buffer.h"

namespace wrpn::kernels {

constexpr int kBitsPerWord = 64;
// Words each plane is padded to: 8 x 64 = 512 bits, the widest vector (AVX-512).
constexpr size_t kBitPlanePadWords = 8;
static_assert(kBitPlanePadWords * kBitsPerWord == 512, "planes must cover a whole AVX-512 vector");

struct BitPlaneRows {
  int rows = 0;                // number of rows
  int k = 0;                   // codes per row that carry data
  int planes = 0;              // bits per code
  size_t words_per_plane = 0;  // ceil(k/64) rounded up to kBitPlanePadWords
  AlignedBuffer<uint64_t> data;

  BitPlaneRows() = default;
  BitPlaneRows(int rows_, int k_, int planes_)
      : rows(rows_),
        k(k_),
        planes(planes_),
        words_per_plane(((size_t(k_) + 63) / 64 + kBitPlanePadWords - 1) / kBitPlanePadWords * kBitPlanePadWords),
        data(size_t(rows_) * planes_ * words_per_plane) {}
  uint64_t* plane(int r, int p) { return data.data() + (size_t(r) * planes + p) * words_per_plane; }
  const uint64_t* plane(int r, int p) const { return data.data() + (size_t(r) * planes + p) * words_per_plane; }
};

// Nibble-split copy of `src` (see above); padding stays zero.
BitPlaneRows split_nibbles(const BitPlaneRows& src);

}  // namespace wrpn::kernels
