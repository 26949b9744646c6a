// Max-pool argmax indices kept small for the backward pass (training memory, issue 8).
//
// LibTorch's max_pool2d_with_indices returns, per output, the flat index (ih * W + iw) of the
// maximum inside its H x W input plane, as int64. The same information is the offset of the
// maximum inside the pooling window, 0 .. kernel^2 - 1: 2 bits for 2x2 windows, 4 for 3x3.
// These two loops convert one into the other, plane by plane; max_pool_with_window_offsets
// pools and writes the offsets in one pass (training's max-pool forward). No LibTorch here.
#pragma once

#include <cstdint>

namespace wrpn {
namespace kernels {

struct PoolGeometry {
  int64_t in_w = 0;   // input plane width (the flat index's row length)
  int64_t out_h = 0;  // output plane size
  int64_t out_w = 0;
  int64_t kernel = 0;  // square window, kernel <= in_w
  int64_t stride = 0;
  int64_t padding = 0;
};

/// Bits of a window offset: ceil(log2(kernel^2)), at least 1.
int window_offset_bits(int64_t kernel);

/// offsets[p, o] = (ih - top) * kernel + (iw - left) for indices[p, o] = ih * in_w + iw, where
/// (top, left) is output o's window corner; `planes` planes of out_h * out_w outputs.
void window_offsets_from_indices(const int64_t* indices, int64_t planes, const PoolGeometry& g, uint8_t* offsets);

/// The inverse: the flat indices LibTorch's max_pool2d_with_indices_backward takes.
void indices_from_window_offsets(const uint8_t* offsets, int64_t planes, const PoolGeometry& g, int64_t* indices);

/// Max-pool of `planes` contiguous in_h x g.in_w float planes into out (planes x out_h x out_w)
/// and each maximum's window offset, with LibTorch's CPU choice: windows clipped to the input
/// (padding never wins), the first maximum in row-major order, a NaN taking the place of any
/// number (the last NaN of a window wins), -inf everywhere giving the first cell inside.
void max_pool_with_window_offsets(const float* x, int64_t planes, int64_t in_h, const PoolGeometry& g, float* out,
                                  uint8_t* offsets);

}  // namespace kernels
}  // namespace wrpn
