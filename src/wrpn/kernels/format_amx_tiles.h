// AMX tile format (weights only), for tdpbusd: C[pixels][channels] += A[pixels][k] (u8)
// x B[k][channels] (s8), where B is held as 16 rows of k-quads x 16 channels x 4 bytes.
// One such 1 KiB B tile per (16-channel group g, 64-code chunk c), stored contiguously:
// tile (g, c) starts at byte (g * k_chunks + c) * 1024, and its byte (r, 4 j + i) is the
// code of channel 16 g + j at k = 64 c + 4 r + i. K is padded to a multiple of 64 and the
// channel groups to an even count (the kernel runs two B tiles at a time); padding is zero.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wrpn/kernels/aligned_buffer.h"

namespace wrpn::kernels {

constexpr int kAmxTileRows = 16;      // rows of every tile: pixels (A, C) or k-quads (B)
constexpr int kAmxTileBytes = 64;     // bytes per tile row: 64 codes (A), 16 channels x 4 (B)
constexpr int kAmxTileChannels = 16;  // int32 channels per C tile
constexpr int kAmxTileK = 64;         // codes reduced per tdpbusd
constexpr int kAmxPixelRowsPad = 32;  // activation rows are padded to two A tiles

struct AmxTiles {
  int m = 0;         // channels that carry data
  int k = 0;         // codes per channel that carry data
  int k_chunks = 0;  // ceil(k / 64)
  int groups = 0;    // ceil(m / 16) rounded up to even
  AlignedBuffer<int8_t> data;

  AmxTiles() = default;
  AmxTiles(int m_, int k_)
      : m(m_),
        k(k_),
        k_chunks((k_ + kAmxTileK - 1) / kAmxTileK),
        groups(((m_ + kAmxTileChannels - 1) / kAmxTileChannels + 1) / 2 * 2),
        data(size_t(groups) * k_chunks * kAmxTileRows * kAmxTileBytes) {}
  const int8_t* tile(int g, int c) const {
    return data.data() + (size_t(g) * k_chunks + c) * kAmxTileRows * kAmxTileBytes;
  }
  int8_t& at(int kk, int mm) {
    const int g = mm / kAmxTileChannels, j = mm % kAmxTileChannels;
    const int c = kk / kAmxTileK, r = (kk % kAmxTileK) / 4, i = kk % 4;
    return data[(size_t(g) * k_chunks + c) * kAmxTileRows * kAmxTileBytes + size_t(r) * kAmxTileBytes + 4 * j + i];
  }
};

}  // namespace wrpn::kernels
