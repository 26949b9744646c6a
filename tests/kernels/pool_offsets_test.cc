// Max-pool indices <-> window offsets: exact round trips for the pools the models use,
// padding included, and offsets that fit their bit width.
#include "wrpn/kernels/pool_offsets.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace wrpn {
namespace kernels {
namespace {

TEST(PoolOffsets, Bits) {
  EXPECT_EQ(window_offset_bits(1), 1);
  EXPECT_EQ(window_offset_bits(2), 2);
  EXPECT_EQ(window_offset_bits(3), 4);
  EXPECT_EQ(window_offset_bits(4), 4);
}

TEST(PoolOffsets, RoundTripOfEveryWindowPosition) {
  std::mt19937 gen(3);
  struct Case {
    int64_t in_h, in_w, kernel, stride, padding;
  };
  const Case cases[] = {{8, 8, 2, 2, 0}, {7, 9, 2, 2, 0}, {16, 16, 3, 2, 1},
                        {5, 7, 3, 2, 1}, {3, 3, 3, 1, 1}, {6, 5, 3, 3, 0}};
  for (const Case& c : cases) {
    PoolGeometry g;
    g.in_w = c.in_w;
    g.kernel = c.kernel;
    g.stride = c.stride;
    g.padding = c.padding;
    g.out_h = (c.in_h + 2 * c.padding - c.kernel) / c.stride + 1;
    g.out_w = (c.in_w + 2 * c.padding - c.kernel) / c.stride + 1;
    const int64_t planes = 3, per_plane = g.out_h * g.out_w;
    std::vector<int64_t> indices, back(size_t(planes * per_plane));
    std::vector<uint8_t> want;
    for (int64_t p = 0; p < planes; ++p) {
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          // A random in-bounds position of the window, as a max-pool would pick.
          std::vector<int64_t> valid;
          for (int64_t o = 0; o < c.kernel * c.kernel; ++o) {
            const int64_t ih = oh * c.stride - c.padding + o / c.kernel;
            const int64_t iw = ow * c.stride - c.padding + o % c.kernel;
            if (ih >= 0 && ih < c.in_h && iw >= 0 && iw < c.in_w) valid.push_back(o);
          }
          const int64_t o = valid[gen() % valid.size()];
          want.push_back(uint8_t(o));
          indices.push_back((oh * c.stride - c.padding + o / c.kernel) * c.in_w + ow * c.stride - c.padding +
                            o % c.kernel);
        }
      }
    }
    std::vector<uint8_t> offsets(indices.size());
    window_offsets_from_indices(indices.data(), planes, g, offsets.data());
    EXPECT_EQ(offsets, want) << c.in_h << "x" << c.in_w << " k" << c.kernel;
    for (const uint8_t o : offsets) ASSERT_LT(o, 1 << window_offset_bits(c.kernel));
    indices_from_window_offsets(offsets.data(), planes, g, back.data());
    EXPECT_EQ(back, indices) << c.in_h << "x" << c.in_w << " k" << c.kernel;
  }
}

}  // namespace
}  // namespace kernels
}  // namespace wrpn
