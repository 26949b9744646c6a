// Batch norm's four passes on every Highway target this machine runs, against sums in long
// double: plane sizes below, at and past the vector width and the 2048-value chunk, values far
// from zero (cancellation), and a second channel interleaved that must be neither read nor
// written.
#include "wrpn/kernels/batch_norm_kernels.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace wrpn {
namespace kernels {
namespace {

constexpr float kSentinel = std::numeric_limits<float>::quiet_NaN();

// Two channels of `planes` planes; channel 0 holds offset + N(0, spread), channel 1 NaN.
struct TwoChannels {
  ChannelPlanes c;
  std::vector<float> x;
};

TwoChannels make(int64_t planes, int64_t plane_size, float offset, float spread, uint32_t seed) {
  TwoChannels t;
  t.c.planes = planes;
  t.c.plane_size = plane_size;
  t.c.plane_stride = 2 * plane_size;
  t.x.assign(size_t(planes * 2 * plane_size), kSentinel);
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(offset, spread);
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t i = 0; i < plane_size; ++i) t.x[size_t(p * t.c.plane_stride + i)] = dist(gen);
  }
  return t;
}

template <typename F>
void for_each_value(const ChannelPlanes& c, F&& f) {
  for (int64_t p = 0; p < c.planes; ++p) {
    for (int64_t i = 0; i < c.plane_size; ++i) f(size_t(p * c.plane_stride + i));
  }
}

class BatchNormKernelsPerTarget : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

struct Shape {
  int64_t planes, plane_size;
  float offset, spread;
};
const Shape kShapes[] = {{1, 2, 0.f, 1.f},    {3, 1, 0.5f, 2.f},    {4, 7, -3.f, 0.1f},  {5, 16, 0.f, 1.f},
                         {3, 33, 100.f, 1.f}, {2, 100, 1e3f, 1.f},  {2, 5000, 3.f, 2.f}, {7, 49, -0.2f, 1e-3f}};

std::string name_of(const Shape& s) {
  return std::to_string(s.planes) + " planes of " + std::to_string(s.plane_size) + ", mean " +
         std::to_string(s.offset) + ", sd " + std::to_string(s.spread);
}

TEST_P(BatchNormKernelsPerTarget, MomentsMatchLongDoubleSums) {
  uint32_t seed = 1;
  for (const Shape& s : kShapes) {
    const TwoChannels t = make(s.planes, s.plane_size, s.offset, s.spread, seed++);
    long double sum = 0, squares = 0;
    for_each_value(t.c, [&](size_t i) { sum += t.x[i]; });
    const long double mean = sum / t.c.count();
    for_each_value(t.c, [&](size_t i) { squares += (t.x[i] - mean) * (t.x[i] - mean); });
    const long double variance = squares / t.c.count();
    const Moments m = channel_moments(t.x.data(), t.c);
    EXPECT_NEAR(m.mean, double(mean), 1e-6 * (std::fabs(double(mean)) + std::sqrt(double(variance)))) << name_of(s);
    EXPECT_NEAR(m.variance, double(variance), 1e-5 * double(variance) + 1e-30) << name_of(s);
  }
}

TEST_P(BatchNormKernelsPerTarget, ScaleShiftWithinOneRoundingOfExact) {
  uint32_t seed = 20;
  for (const Shape& s : kShapes) {
    const TwoChannels t = make(s.planes, s.plane_size, s.offset, s.spread, seed++);
    std::vector<float> y(t.x.size(), kSentinel);
    const float a = 0.37f, b = -1.25f;
    scale_shift_channel(t.x.data(), y.data(), t.c, a, b);
    for (size_t i = 0; i < y.size(); ++i) {
      if (std::isnan(t.x[i])) {
        ASSERT_TRUE(std::isnan(y[i])) << name_of(s) << ": wrote the other channel at " << i;
        continue;
      }
      const double want = double(a) * double(t.x[i]) + double(b);
      ASSERT_NEAR(y[i], want, 2.4e-7 * (std::fabs(double(a) * t.x[i]) + std::fabs(double(b))))
          << name_of(s) << " at " << i;
    }
  }
}

TEST_P(BatchNormKernelsPerTarget, GradientSumsAndInputGradientMatchLongDouble) {
  uint32_t seed = 40;
  for (const Shape& s : kShapes) {
    const TwoChannels t = make(s.planes, s.plane_size, s.offset, s.spread, seed++);
    const TwoChannels g = make(s.planes, s.plane_size, 0.01f, 0.5f, seed++ * 7);
    const float mean = s.offset;
    long double sum_g = 0, sum_g_xc = 0, abs_g = 0, abs_g_xc = 0;
    for_each_value(t.c, [&](size_t i) {
      sum_g += g.x[i];
      sum_g_xc += (long double)g.x[i] * (t.x[i] - mean);
      abs_g += std::fabs(g.x[i]);
      abs_g_xc += std::fabs(g.x[i] * (t.x[i] - mean));
    });
    const GradientSums got = channel_gradient_sums(g.x.data(), t.x.data(), t.c, mean);
    EXPECT_NEAR(got.sum_g, double(sum_g), 2e-6 * double(abs_g)) << name_of(s);
    EXPECT_NEAR(got.sum_g_xc, double(sum_g_xc), 2e-6 * double(abs_g_xc)) << name_of(s);

    std::vector<float> dx(t.x.size(), kSentinel);
    const float k1 = 1.5f, k2 = -0.25f, k3 = 0.125f;
    input_gradient_channel(g.x.data(), t.x.data(), dx.data(), t.c, mean, k1, k2, k3);
    for (size_t i = 0; i < dx.size(); ++i) {
      if (std::isnan(t.x[i])) {
        ASSERT_TRUE(std::isnan(dx[i])) << name_of(s) << ": wrote the other channel at " << i;
        continue;
      }
      const double centred = double(t.x[i]) - double(mean);
      const double want = double(k1) * g.x[i] + double(k2) * centred + double(k3);
      const double size = std::fabs(double(k1) * g.x[i]) + std::fabs(double(k2) * centred) + std::fabs(double(k3));
      ASSERT_NEAR(dx[i], want, 4e-7 * size)
          << name_of(s) << " at " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTargets, BatchNormKernelsPerTarget,
                         ::testing::ValuesIn(hwy::SupportedAndGeneratedTargets()),
                         [](const ::testing::TestParamInfo<int64_t>& info) {
                           return std::string(hwy::TargetName(info.param));
                         });

}  // namespace
}  // namespace kernels
}  // namespace wrpn
