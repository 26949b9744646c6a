// The integer output transform against the float computation it replaces,
// on every code boundary, with positive, negative and zero scales and ties.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "kernel_test_util.h"
#include "wrpn/kernels/gemm.h"
#include "wrpn/kernels/gemm_ref.h"
#include "wrpn/kernels/output_transform.h"

namespace wrpn::kernels {
namespace {

// Channels chosen to hit hard cases: exact ties (binary scales), negative, zero,
// -0.0, tiny and large scales, biases inside and outside [0, 1].
ChannelAffine hard_channels() {
  ChannelAffine c;
  const std::vector<std::pair<float, float>> sb = {
      {0.125f, 0.0f},        {0.125f, 0.0625f},      {-0.125f, 1.0f},  {1.0f / 3.0f, -0.2f}, {0.001f, 0.5f},
      {-0.002f, 0.25f},      {0.0f, 0.3f},           {0.0f, 0.5f},     {-0.0f, 0.8f},        {0.0f, -1.0f},
      {0.0f, 2.0f},          {1e-30f, 0.5f},         {3.7e-5f, 0.01f}, {-7.1e-6f, 0.9f},     {0.37f, -100.0f},
      {1.0f / 255.0f, 0.0f}, {-1.0f / 255.0f, 1.0f}, {0.5f, 0.25f},    {2e-9f, 0.49f},       {-5.5f, 0.0f}};
  for (auto [s, b] : sb) {
    c.scale.push_back(s);
    c.bias.push_back(b);
  }
  return c;
}

// On every target: the 5..8-bit path is a Highway kernel (guess, then gathered thresholds).
TEST(RequantizeThresholds, MatchFloatOnEveryCodeBoundary) {
  const ChannelAffine aff = hard_channels();
  testing::for_each_target([&](int64_t) {
    for (int bits = 1; bits <= 8; ++bits) {
      const RequantizeThresholds th = make_requantize_thresholds(aff, bits);
      ASSERT_EQ(th.channels, int(aff.scale.size()));
      std::vector<int32_t> probes;
      for (int m = 0; m < th.channels; ++m) {
        for (int level = 0; level < th.levels; ++level) {
          const int64_t t = th.t[size_t(m) * th.levels + level];
          for (int64_t d = -2; d <= 2; ++d) {
            const int64_t x = th.sign[m] * (t + d);
            if (t != INT32_MAX && std::llabs(x) <= kMaxAbsAccumulator) probes.push_back(int32_t(x));
          }
        }
      }
      for (int32_t x = -3000; x <= 3000; ++x) probes.push_back(x);
      probes.push_back(kMaxAbsAccumulator);
      probes.push_back(-kMaxAbsAccumulator);
      for (int32_t acc : probes) {
        std::vector<int32_t> row(th.channels, acc);
        std::vector<uint8_t> got(th.channels), want(th.channels);
        requantize(th, row.data(), th.channels, 1, got.data(), th.channels);
        requantize_ref(aff, bits, row.data(), th.channels, 1, want.data(), th.channels);
        ASSERT_EQ(got, want) << "bits " << bits << " acc " << acc;
      }
    }
  });
}

TEST(RequantizeThresholds, TiesRoundHalfToEven) {
  // scale 0.125, 2 bits: acc 4 -> x * 3 = 1.5 -> 2; acc 12 -> 4.5 clipped to 1 -> 3.
  ChannelAffine aff;
  aff.scale = {0.125f};
  aff.bias = {0.0f};
  EXPECT_EQ(requantize_one_ref(4, 0.125f, 0.0f, 2), 2);
  // 1 bit: x = 0.5 -> rne(0.5) = 0; x = 0.625 -> 1.
  EXPECT_EQ(requantize_one_ref(4, 0.125f, 0.0f, 1), 0);
  EXPECT_EQ(requantize_one_ref(5, 0.125f, 0.0f, 1), 1);
  const RequantizeThresholds th = make_requantize_thresholds(aff, 1);
  EXPECT_EQ(th.t[0], 5);
}

TEST(RequantizeThresholds, ZeroAndNegativeScales) {
  ChannelAffine aff;
  aff.scale = {0.0f, -0.25f};
  aff.bias = {0.6f, 1.0f};
  const RequantizeThresholds th = make_requantize_thresholds(aff, 2);
  EXPECT_EQ(th.sign[0], 1);
  EXPECT_EQ(th.sign[1], -1);
  for (int32_t acc : {-1000000, -1, 0, 1, 2, 3, 4, 5, 1000000}) {
    const int32_t row[2] = {acc, acc};
    uint8_t got[2];
    requantize(th, row, 2, 1, got, 2);
    EXPECT_EQ(got[0], 2) << acc;  // rne(0.6 * 3 = 1.8)
    EXPECT_EQ(got[1], requantize_one_ref(acc, -0.25f, 1.0f, 2)) << acc;
  }
}

TEST(RequantizeThresholds, RejectsNonFiniteAndBadBits) {
  ChannelAffine aff;
  aff.scale = {NAN};
  aff.bias = {0.0f};
  EXPECT_THROW(make_requantize_thresholds(aff, 2), std::invalid_argument);
  aff.scale = {1.0f};
  EXPECT_THROW(make_requantize_thresholds(aff, 0), std::invalid_argument);
  EXPECT_THROW(make_requantize_thresholds(ChannelAffine{}, 2), std::invalid_argument);
}

// The float first layer's quantizer, against hand-computed codes: clamp to [0, 1], times
// 2^k - 1, round half to even (ties exact in float), on every target and the vector tails.
TEST(QuantizeUnitFloats, HandComputedCodesOnEveryTarget) {
  struct Row {
    int bits;
    float y;
    uint8_t code;
  };
  const Row table[] = {{1, -3.0f, 0}, {1, 0.25f, 0},    {1, 0.5f, 0},    {1, 0.75f, 1},  {1, 7.0f, 1},
                       {2, 0.5f, 2},  {2, 1.0f / 6, 0}, {2, 0.1667f, 1}, {2, 0.99f, 3},  {4, 0.1f, 2},
                       {4, 0.5f, 8},  {4, 1.0f, 15},    {8, 0.5f, 128},  {8, 0.25f, 64}, {8, 2.0f, 255}};
  testing::for_each_target([&](int64_t) {
    for (const Row& r : table) {
      for (size_t count : {size_t(1), size_t(37)}) {  // the scalar tail and the vector body
        std::vector<float> y(count, r.y);
        std::vector<uint8_t> out(count, 99);
        quantize_unit_floats(y.data(), count, r.bits, out.data());
        for (uint8_t c : out) ASSERT_EQ(int(c), int(r.code)) << r.bits << " bits, y = " << r.y << ", n = " << count;
      }
    }
  });
}

TEST(FoldBatchNorm, FoldsScaleAndBias) {
  const ChannelAffine a =
      fold_batch_norm({0.5f, 2.0f}, 2, {1.0f, -2.0f}, {0.1f, 0.2f}, {3.0f, -1.0f}, {4.0f, 0.25f}, 0.0f);
  // channel 0: g = 1/2, scale = 0.5 * 0.5 / 3, bias = 0.1 - 0.5 * 3
  EXPECT_FLOAT_EQ(a.scale[0], 0.5f * 0.5f / 3.0f);
  EXPECT_FLOAT_EQ(a.bias[0], 0.1f - 1.5f);
  // channel 1: g = -2 / 0.5 = -4, scale = -4 * 2 / 3, bias = 0.2 - (-4)(-1)
  EXPECT_FLOAT_EQ(a.scale[1], -8.0f / 3.0f);
  EXPECT_FLOAT_EQ(a.bias[1], 0.2f - 4.0f);
  EXPECT_THROW(fold_batch_norm({1.0f}, 2, {1.0f}, {0.0f}, {0.0f}, {0.0f}, 0.0f), std::invalid_argument);
  EXPECT_THROW(fold_batch_norm({1.0f}, 2, {1.0f, 2.0f}, {0.0f}, {0.0f}, {1.0f}, 0.0f), std::invalid_argument);
}

// Fused GEMM + requantize, and GEMM + float output, against the oracles composed.
TEST(FusedOutput, GemmRequantizeAndDequantizeMatchReference) {
  std::mt19937 rng(77);
  struct Case {
    int kw, ka, out_bits, m, n, k;
  };
  const std::vector<Case> cases = {{1, 1, 1, 33, 65, 257}, {2, 2, 2, 7, 129, 63}, {1, 2, 4, 65, 31, 127},
                                   {4, 4, 4, 17, 70, 144}, {8, 8, 8, 5, 33, 65},  {3, 5, 2, 64, 64, 64},
                                   {2, 1, 3, 3, 200, 576}, {6, 3, 8, 31, 9, 1000}};
  for (const Case& c : cases) {
    SCOPED_TRACE("kw=" + std::to_string(c.kw) + " ka=" + std::to_string(c.ka) + " out=" + std::to_string(c.out_bits));
    const auto w = testing::random_weights(c.kw, size_t(c.m) * c.k, rng());
    const auto a = testing::random_acts(c.ka, size_t(c.n) * c.k, rng());
    std::vector<int32_t> acc(size_t(c.n) * c.m);
    gemm_s32_ref(c.kw, c.ka, w.data(), c.k, a.data(), c.k, c.m, c.n, c.k, acc.data(), c.m);
    // Batch norm with positive, negative and zero gammas.
    std::vector<float> ws(c.m), gamma(c.m), beta(c.m), mean(c.m), var(c.m);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (int m = 0; m < c.m; ++m) {
      ws[m] = (0.5f + 0.5f * std::fabs(u(rng))) / weight_code_max(c.kw);
      gamma[m] = (m % 5 == 0) ? 0.0f : u(rng) * 2.0f;
      beta[m] = 0.5f + u(rng);
      mean[m] = u(rng) * 2.0f;
      var[m] = 0.5f + std::fabs(u(rng));
    }
    // Scale the pre-activation so codes spread over the range.
    const float spread = 1.0f / std::sqrt(float(c.k));
    for (auto& g : gamma) g *= spread * 4.0f;
    const ChannelAffine aff = fold_batch_norm(ws, c.ka, gamma, beta, mean, var, 1e-5f);
    std::vector<uint8_t> want(acc.size());
    requantize_ref(aff, c.out_bits, acc.data(), c.m, c.n, want.data(), c.m);
    const RequantizeThresholds th = make_requantize_thresholds(aff, c.out_bits);
    const GemmPlan plan = make_gemm_plan(c.kw, c.ka, c.k);
    const PackedWeights pw = pack_weights(plan, w.data(), c.m, c.k);
    const PackedActivations pa = pack_activations(plan, a.data(), c.n, c.k);
    for (int threads : {1, 2}) {
      std::vector<uint8_t> got(acc.size(), 99);
      gemm_requantize(pw, pa, th, got.data(), c.m, threads);
      ASSERT_EQ(got, want);
      std::vector<float> fgot(acc.size());
      gemm_dequantize(pw, pa, aff, fgot.data(), c.m, threads);
      for (size_t i = 0; i < acc.size(); ++i) {
        const size_t m = i % c.m;
        ASSERT_EQ(fgot[i], float(acc[i]) * aff.scale[m] + aff.bias[m]) << i;
      }
    }
    // Codes spread over more than one value: the test is not vacuous.
    std::vector<int> seen(256, 0);
    for (uint8_t v : want) seen[v] = 1;
    int distinct = 0;
    for (int s : seen) distinct += s;
    EXPECT_GE(distinct, 2);
  }
}

}  // namespace
}  // namespace wrpn::kernels
