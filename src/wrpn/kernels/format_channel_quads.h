// Channel-quad format (weights only), for the channel-lanes kernel: output
// channels sit in vector lanes, so a tile needs no horizontal sums (short K).
// Weight code (k, m) is byte ((k / 4) * m_padded + m) * 4 + k % 4: each 32-bit
// lane holds four consecutive k of one channel, matching a 4-byte broadcast of
// one pixel's activations (vpdpbusd, or vpmaddubsw pairs).
// K is padded to a multiple of 4 and M to kChannelQuadPadChannels plus as many
// again of zero channels, so a tile starting at any channel < M may read two
// whole 512-bit vectors of channels (the over-read); padding codes are zero.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wrpn/kernels/aligned_buffer.h"

namespace wrpn::kernels {

// 16 int32 lanes = one AVX-512 vector of channels; a tile spans two vectors.
constexpr size_t kChannelQuadPadChannels = 32;
static_assert(kChannelQuadPadChannels % 16 == 0, "whole AVX-512 vectors of int32 channel lanes");

struct ChannelQuads {
  int m = 0;            // channels that carry data
  int k = 0;            // codes per channel that carry data
  int k_quads = 0;      // ceil(k / 4)
  size_t m_padded = 0;  // round_up(m, 32) + 32: channels per quad row, over-read included
  AlignedBuffer<int8_t> data;

  ChannelQuads() = default;
  ChannelQuads(int m_, int k_)
      : m(m_),
        k(k_),
        k_quads((k_ + 3) / 4),
        m_padded((size_t(m_) + kChannelQuadPadChannels - 1) / kChannelQuadPadChannels * kChannelQuadPadChannels +
                 kChannelQuadPadChannels),
        data(size_t(k_quads) * m_padded * 4) {}
  int8_t& at(int kk, int mm) { return data[(size_t(kk / 4) * m_padded + mm) * 4 + kk % 4]; }
  int8_t at(int kk, int mm) const { return data[(size_t(kk / 4) * m_padded + mm) * 4 + kk % 4]; }
  const int8_t* quad_row(int kq) const { return data.data() + size_t(kq) * m_padded * 4; }
};

}  // namespace wrpn::kernels
