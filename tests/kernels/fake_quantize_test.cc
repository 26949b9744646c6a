// The SIMD element-wise quantizers against their scalar twins, on every compiled Highway
// target this CPU supports, over awkward lengths (tails) and values on rounding ties.
#include "wrpn/kernels/fake_quantize.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace wrpn {
namespace kernels {
namespace {

const size_t kLengths[] = {0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 65, 257, 1000};

std::vector<float> test_values(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.5f, 1.5f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  // Exact ties for several level counts (n * x = j + 0.5 in float), and the clip bounds.
  const float specials[] = {0.5f, -0.5f, 0.0f, -0.0f, 1.0f, -1.0f, 0.25f, 0.75f, 1.5f};
  for (size_t i = 0; i < n && i < 9; ++i) v[i * 3 % n] = specials[i];
  return v;
}

class PerTarget : public testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

TEST_P(PerTarget, FakeQuantizeMatchesReferenceBitForBit) {
  for (const size_t n : kLengths) {
    const auto x = test_values(n, 7 + uint32_t(n));
    for (const float levels : {1.0f, 3.0f, 7.0f, 15.0f, 31.0f, 63.0f, 127.0f, 255.0f}) {
      for (const float lo : {0.0f, -1.0f}) {
        std::vector<float> fast(n), ref(n);
        fake_quantize(x.data(), fast.data(), n, lo, 1.0f, levels);
        fake_quantize_ref(x.data(), ref.data(), n, lo, 1.0f, levels);
        ASSERT_EQ(0, std::memcmp(fast.data(), ref.data(), n * sizeof(float)))
            << "target " << hwy::TargetName(GetParam()) << " n=" << n << " levels=" << levels;
      }
    }
  }
}

TEST_P(PerTarget, SteClampGradMatchesReferenceBitForBit) {
  for (const size_t n : kLengths) {
    const auto x = test_values(n, 11 + uint32_t(n));
    const auto g = test_values(n, 99 + uint32_t(n));
    std::vector<float> fast(n), ref(n);
    ste_clamp_grad(x.data(), g.data(), fast.data(), n, 0.0f, 1.0f);
    ste_clamp_grad_ref(x.data(), g.data(), ref.data(), n, 0.0f, 1.0f);
    ASSERT_EQ(0, std::memcmp(fast.data(), ref.data(), n * sizeof(float)))
        << "target " << hwy::TargetName(GetParam()) << " n=" << n;
  }
}

TEST_P(PerTarget, InPlaceQuantizeWorks) {
  std::vector<float> x = {0.5f, 0.1f, 0.9f, 1.2f, -0.3f, 0.2f, 0.7f, 0.49f, 0.51f, 0.5f};
  fake_quantize(x.data(), x.data(), x.size(), 0.0f, 1.0f, 1.0f);
  const std::vector<float> want = {0, 0, 1, 1, 0, 0, 1, 0, 1, 0};  // 0.5 ties to even: 0
  EXPECT_EQ(want, x);
}

INSTANTIATE_TEST_SUITE_P(AllTargets, PerTarget, testing::ValuesIn(hwy::SupportedAndGeneratedTargets()),
                         [](const testing::TestParamInfo<int64_t>& info) {
                           return std::string(hwy::TargetName(info.param));
                         });

TEST(FakeQuantizeRef, HandComputedTiesRoundHalfToEven) {
  // levels 3 (2-bit activations): 0.5 * 3 = 1.5 -> 2; levels 7: 0.5 * 7 = 3.5 -> 4.
  const float x[] = {0.5f, 0.5f, 0.5f};
  float out[3];
  fake_quantize_ref(x, out, 1, 0.0f, 1.0f, 3.0f);
  EXPECT_EQ(out[0], 2.0f / 3.0f);
  fake_quantize_ref(x, out, 1, 0.0f, 1.0f, 7.0f);
  EXPECT_EQ(out[0], 4.0f / 7.0f);
  fake_quantize_ref(x, out, 1, 0.0f, 1.0f, 255.0f);
  EXPECT_EQ(out[0], 128.0f / 255.0f);
}

}  // namespace
}  // namespace kernels
}  // namespace wrpn
