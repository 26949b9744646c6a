#include "wrpn/kernels/pool_offsets.h"

#include "wrpn/kernels/max_pool_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
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

namespace {

// The models' pool (2x2, stride 2, no padding), a row at a time on vectors: ties between
// codes are common and random, and a branch per cell mispredicts (4 ns per input, LibTorch's
// speed).
void max_pool_2x2(const float* x, int64_t planes, int64_t in_h, const PoolGeometry& g, float* out, uint8_t* offsets) {
  for (int64_t p = 0; p < planes; ++p) {
    const float* plane = x + p * in_h * g.in_w;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const float* r0 = plane + 2 * oh * g.in_w;
      detail::max_pool_2x2_row(r0, r0 + g.in_w, g.out_w, out, offsets);
      out += g.out_w;
      offsets += g.out_w;
    }
  }
}

}  // namespace

void max_pool_with_window_offsets(const float* x, int64_t planes, int64_t in_h, const PoolGeometry& g, float* out,
                                  uint8_t* offsets) {
  if (g.kernel == 2 && g.stride == 2 && g.padding == 0) return max_pool_2x2(x, planes, in_h, g, out, offsets);
  for (int64_t p = 0; p < planes; ++p) {
    const float* plane = x + p * in_h * g.in_w;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const int64_t top = oh * g.stride - g.padding;
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t left = ow * g.stride - g.padding;
        const int64_t h0 = std::max<int64_t>(top, 0), h1 = std::min(top + g.kernel, in_h);
        const int64_t w0 = std::max<int64_t>(left, 0), w1 = std::min(left + g.kernel, g.in_w);
        float m = -std::numeric_limits<float>::infinity();
        int64_t at = (h0 - top) * g.kernel + (w0 - left);  // the first cell inside, if all are -inf
        for (int64_t ih = h0; ih < h1; ++ih) {
          for (int64_t iw = w0; iw < w1; ++iw) {
            const float v = plane[ih * g.in_w + iw];
            if (v > m || std::isnan(v)) {
              m = v;
              at = (ih - top) * g.kernel + (iw - left);
            }
          }
        }
        *out++ = m;
        *offsets++ = uint8_t(at);
      }
    }
  }
}

}  // namespace kernels
}  // namespace wrpn
