// Max-pool indices <-> window offsets: exact round trips for the pools the models use,
// padding included, and offsets that fit their bit width.
#include "wrpn/kernels/pool_offsets.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace wrpn {
namespace kernels {
namespace {

struct Case {
  int64_t in_h, in_w, kernel, stride, padding;
};

PoolGeometry geometry_of(const Case& c) {
  PoolGeometry g;
  g.in_w = c.in_w;
  g.kernel = c.kernel;
  g.stride = c.stride;
  g.padding = c.padding;
  g.out_h = (c.in_h + 2 * c.padding - c.kernel) / c.stride + 1;
  g.out_w = (c.in_w + 2 * c.padding - c.kernel) / c.stride + 1;
  return g;
}

TEST(PoolOffsets, Bits) {
  EXPECT_EQ(window_offset_bits(1), 1);
  EXPECT_EQ(window_offset_bits(2), 2);
  EXPECT_EQ(window_offset_bits(3), 4);
  EXPECT_EQ(window_offset_bits(4), 4);
}

TEST(PoolOffsets, RoundTripOfEveryWindowPosition) {
  std::mt19937 gen(3);
  const Case cases[] = {{8, 8, 2, 2, 0}, {7, 9, 2, 2, 0}, {16, 16, 3, 2, 1},
                        {5, 7, 3, 2, 1}, {3, 3, 3, 1, 1}, {6, 5, 3, 3, 0}};
  for (const Case& c : cases) {
    const PoolGeometry g = geometry_of(c);
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

// LibTorch's CPU max-pool, written out: the window clipped to the input, the maximum's flat
// index starting at the first cell inside, taken by (v > max || isnan(v)).
void reference_pool(const std::vector<float>& x, int64_t planes, int64_t in_h, const PoolGeometry& g,
                    std::vector<float>& out, std::vector<int64_t>& indices) {
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t h0 = std::max<int64_t>(oh * g.stride - g.padding, 0);
        const int64_t w0 = std::max<int64_t>(ow * g.stride - g.padding, 0);
        const int64_t h1 = std::min(oh * g.stride - g.padding + g.kernel, in_h);
        const int64_t w1 = std::min(ow * g.stride - g.padding + g.kernel, g.in_w);
        float m = -std::numeric_limits<float>::infinity();
        int64_t at = h0 * g.in_w + w0;
        for (int64_t ih = h0; ih < h1; ++ih) {
          for (int64_t iw = w0; iw < w1; ++iw) {
            const float v = x[size_t((p * in_h + ih) * g.in_w + iw)];
            if (v > m || std::isnan(v)) {
              m = v;
              at = ih * g.in_w + iw;
            }
          }
        }
        out.push_back(m);
        indices.push_back(at);
      }
    }
  }
}

// Quantized activations tie all the time (zeros, the clip at 1): the first maximum must win, as
// in LibTorch, or the gradient goes to another input. NaN and all -inf windows as LibTorch.
class PoolOffsetsPerTarget : public testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

TEST_P(PoolOffsetsPerTarget, PoolingWithOffsetsMatchesLibTorchsChoiceOnTies) {
  std::mt19937 gen(11);
  const Case cases[] = {{8, 8, 2, 2, 0}, {7, 9, 2, 2, 0}, {16, 16, 3, 2, 1}, {5, 7, 3, 2, 1},
                        {3, 3, 3, 1, 1}, {6, 5, 3, 3, 0}, {9, 9, 2, 1, 1},  {4, 6, 2, 2, 1},
                        {4, 70, 2, 2, 0}, {6, 33, 2, 2, 0}};  // 2x2 rows of 35 and 16 outputs: vectors and tails
  for (const Case& c : cases) {
    const PoolGeometry g = geometry_of(c);
    const int64_t planes = 5;
    std::vector<float> x(size_t(planes * c.in_h * c.in_w));
    for (float& v : x) v = float(gen() % 4) / 3.0f;  // 2-bit codes: ties in most windows
    for (const size_t at : {size_t(0), size_t(3), size_t(7), size_t(c.in_w + 4), size_t(c.in_w + 5)}) {
      x[at] = std::numeric_limits<float>::quiet_NaN();  // each cell of a 2x2 window, and two in one
    }
    for (size_t i = size_t(c.in_h * c.in_w); i < size_t(2 * c.in_h * c.in_w); ++i) {
      x[i] = -std::numeric_limits<float>::infinity();  // plane 1: every window -inf
    }
    std::vector<float> want_out;
    std::vector<int64_t> want_indices;
    reference_pool(x, planes, c.in_h, g, want_out, want_indices);
    std::vector<float> out(want_out.size());
    std::vector<uint8_t> offsets(want_out.size()), want_offsets(want_out.size());
    max_pool_with_window_offsets(x.data(), planes, c.in_h, g, out.data(), offsets.data());
    window_offsets_from_indices(want_indices.data(), planes, g, want_offsets.data());
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_TRUE(out[i] == want_out[i] || (std::isnan(out[i]) && std::isnan(want_out[i])))
          << c.in_h << "x" << c.in_w << " k" << c.kernel << " s" << c.stride << " p" << c.padding << " at " << i;
    }
    EXPECT_EQ(offsets, want_offsets) << c.in_h << "x" << c.in_w << " k" << c.kernel << " s" << c.stride << " p"
                                     << c.padding;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTargets, PoolOffsetsPerTarget, testing::ValuesIn(hwy::SupportedAndGeneratedTargets()),
                         [](const testing::TestParamInfo<int64_t>& info) {
                           return std::string(hwy::TargetName(info.param));
                         });

}  // namespace
}  // namespace kernels
}  // namespace wrpn
