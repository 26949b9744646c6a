#include "wrpn/kernels/pool_offsets.h"

#include <cstddef>
#include <vector>

namespace wrpn {
namespace kernels {

int window_offset_bits(int64_t kernel) {
  int bits = 1;
  while ((int64_t{1} << bits) < kernel * kernel) ++bits;
  return bits;
}

// The row inside the window follows from delta = dh * in_w + dw with 0 <= dw < kernel <= in_w
// by comparisons, not a division per element; branch-free, as maxima fall at random rows.
void window_offsets_from_indices(const int64_t* indices, int64_t planes, const PoolGeometry& g, uint8_t* offsets) {
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const int64_t top = oh * g.stride - g.padding;
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t left = ow * g.stride - g.padding;
        int64_t delta = *indices++ - (top * g.in_w + left);
        int64_t dh = 0;
        for (int64_t r = 1; r < g.kernel; ++r) dh += int64_t(delta >= r * g.in_w);
        delta -= dh * g.in_w;
        *offsets++ = uint8_t(dh * g.kernel + delta);
      }
    }
  }
}

void indices_from_window_offsets(const uint8_t* offsets, int64_t planes, const PoolGeometry& g, int64_t* indices) {
  std::vector<int64_t> delta(std::size_t(g.kernel * g.kernel));  // offset -> dh * in_w + dw
  for (int64_t o = 0; o < g.kernel * g.kernel; ++o) delta[std::size_t(o)] = (o / g.kernel) * g.in_w + o % g.kernel;
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const int64_t top = oh * g.stride - g.padding;
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t left = ow * g.stride - g.padding;
        *indices++ = top * g.in_w + left + delta[*offsets++];
      }
    }
  }
}

}  // namespace kernels
}  // namespace wrpn
