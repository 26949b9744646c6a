// Every GEMM variant, on every compiled target this CPU runs, bit-exact against
// gemm_s32_ref for all (k_w, k_a) pairs over awkward M, N, K.
#include <cstdint>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "kernel_test_util.h"
#include "wrpn/kernels/gemm.h"
#include "wrpn/kernels/gemm_ref.h"

namespace wrpn::kernels {
namespace {

using testing::for_each_target;
using testing::random_acts;
using testing::random_weights;

struct Shape {
  int m, n, k;
};

// Each awkward size in each dimension, plus K past the 512-bit and 64-byte padding widths.
std::vector<Shape> gemm_shapes() {
  std::vector<Shape> shapes;
  for (int v : testing::awkward_sizes()) {
    shapes.push_back({v, 7, 65});
    shapes.push_back({5, v, 33});
    shapes.push_back({3, 5, v});
  }
  for (int k : {511, 513, 1000}) shapes.push_back({9, 3, k});
  shapes.push_back({65, 33, 257});
  shapes.push_back({33, 65, 127});
  return shapes;
}

class GemmPairTest : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(GemmPairTest, EveryVariantOnEveryTargetMatchesReference) {
  const int kw = std::get<0>(GetParam());
  const int ka = std::get<1>(GetParam());
  uint32_t seed = 1000 * kw + 10 * ka;
  for (const Shape& s : gemm_shapes()) {
    SCOPED_TRACE("M=" + std::to_string(s.m) + " N=" + std::to_string(s.n) + " K=" + std::to_string(s.k));
    // Strides past K with junk beyond it: packing must not read it.
    const size_t ldw = s.k + 3, lda = s.k + 5;
    std::vector<int8_t> w = random_weights(kw, size_t(s.m) * ldw, ++seed);
    std::vector<uint8_t> a = random_acts(ka, size_t(s.n) * lda, ++seed);
    for (int i = 0; i < s.m; ++i)
      for (size_t p = s.k; p < ldw; ++p) w[i * ldw + p] = 127;
    for (int j = 0; j < s.n; ++j)
      for (size_t p = s.k; p < lda; ++p) a[j * lda + p] = 255;
    std::vector<int32_t> expect(size_t(s.n) * s.m);
    gemm_s32_ref(kw, ka, w.data(), ldw, a.data(), lda, s.m, s.n, s.k, expect.data(), s.m);
    for_each_target([&](int64_t) {
      for (GemmVariant v : all_gemm_variants()) {
        if (!gemm_variant_supports(v, kw, ka)) continue;
        SCOPED_TRACE(gemm_variant_name(v));
        const GemmPlan plan = make_gemm_plan(kw, ka, s.k, v);
        const PackedWeights pw = pack_weights(plan, w.data(), s.m, ldw);
        const PackedActivations pa = pack_activations(plan, a.data(), s.n, lda);
        std::vector<int32_t> got(size_t(s.n) * s.m, -12345);
        gemm_s32(pw, pa, got.data(), s.m, /*threads=*/1 + (s.n % 2));
        ASSERT_EQ(got, expect);
      }
    });
  }
}

std::vector<std::tuple<int, int>> all_pairs() {
  std::vector<std::tuple<int, int>> pairs;
  for (int kw = 1; kw <= 8; ++kw)
    for (int ka = 1; ka <= 8; ++ka) pairs.emplace_back(kw, ka);
  return pairs;
}

INSTANTIATE_TEST_SUITE_P(AllPairs, GemmPairTest, ::testing::ValuesIn(all_pairs()), [](const auto& info) {
  return "w" + std::to_string(std::get<0>(info.param)) + "a" + std::to_string(std::get<1>(info.param));
});

TEST(GemmDispatch, SelectedVariantIsExactForEveryPair) {
  testing::for_each_target([](int64_t) {
    for (int kw = 1; kw <= 8; ++kw)
      for (int ka = 1; ka <= 8; ++ka)
        for (int k : {1, 64, 511, 512, 1024, 4608})
          EXPECT_TRUE(gemm_variant_supports(select_gemm_variant(kw, ka, k), kw, ka));
  });
}

TEST(GemmDispatch, RuleMatchesDocumentedTable) {
  const testing::ScopedAmxDisabled no_amx;  // the vector-tier table; AMX has its own test below
  testing::for_each_target([](int64_t) {
    const int big = 4608;
    for (auto [kw, ka] : {std::pair{1, 1}, {2, 1}, {1, 2}}) {
      EXPECT_TRUE(is_bitplane_variant(select_gemm_variant(kw, ka, big))) << kw << "x" << ka;
      EXPECT_TRUE(is_bitplane_variant(select_gemm_variant(kw, ka, kBitplaneMinK))) << kw << "x" << ka;
    }
    for (int kw = 1; kw <= 8; ++kw)
      for (int ka = 1; ka <= 8; ++ka)
        for (int k : {1, 64, 144, kQuadLanesMaxK - 1})
          EXPECT_EQ(select_gemm_variant(kw, ka, k), GemmVariant::kQuadChannelLanes) << kw << "x" << ka << " K=" << k;
    if (!active_target_has_vnni()) {
      EXPECT_EQ(select_gemm_variant(1, 1, big), GemmVariant::kBitplaneNibbleLut);
      EXPECT_EQ(select_gemm_variant(4, 4, kQuadLanesMaxKPairwise - 1), GemmVariant::kQuadChannelLanes);
      EXPECT_EQ(select_gemm_variant(8, 8, kQuadLanesMaxK), GemmVariant::kMaddS16);
      EXPECT_EQ(select_gemm_variant(2, 2, big), GemmVariant::kMaddU8S8Acc16);
      EXPECT_EQ(select_gemm_variant(4, 4, big), GemmVariant::kMaddU8S8Acc16);
      EXPECT_EQ(select_gemm_variant(7, 8, big), GemmVariant::kMaddU8S8Acc32);
      EXPECT_EQ(select_gemm_variant(8, 8, big), GemmVariant::kMaddS16);
    } else {
      EXPECT_EQ(select_gemm_variant(1, 1, big), GemmVariant::kBitplanePopcount);
      EXPECT_EQ(select_gemm_variant(4, 4, kQuadLanesMaxK), GemmVariant::kDotU8S8);
      EXPECT_EQ(select_gemm_variant(8, 8, big), GemmVariant::kDotU8S8);
    }
  });
}

TEST(GemmDispatch, AmxTierTakesEveryPairWhereEnabled) {
  testing::for_each_target([](int64_t) {
    const bool amx = amx_tier_enabled();
    EXPECT_EQ(amx, amx_int8_supported() && active_target_has_vnni()) << amx_status();
    for (int kw = 1; kw <= 8; ++kw)
      for (int ka = 1; ka <= 8; ++ka)
        for (int k : {1, 64, 577, 4608}) {
          EXPECT_EQ(select_gemm_variant(kw, ka, k) == GemmVariant::kAmxTiles, amx) << kw << "x" << ka << " K=" << k;
          EXPECT_EQ(gemm_variant_supports(GemmVariant::kAmxTiles, kw, ka), amx);
        }
  });
}

// A probe that silently failed would leave this machine's AMX unused and its tests skipped.
TEST(GemmDispatch, AmxIsSupportedWhereTheCpuReportsIt) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  bool tile = false, int8 = false;
  while (std::getline(cpuinfo, line) && line.rfind("flags", 0) != 0) {
  }
  tile = line.find(" amx_tile") != std::string::npos;
  int8 = line.find(" amx_int8") != std::string::npos;
  if (!amx_kernels_built()) GTEST_SKIP() << "built without the AMX kernels";
  EXPECT_EQ(amx_int8_supported(), tile && int8) << amx_status();
}

TEST(GemmDispatch, AmxMaskedOffFallsBackToTheVectorTiers) {
  const testing::ScopedAmxDisabled no_amx;
  EXPECT_FALSE(amx_tier_enabled());
  // Where the CPU has no AMX the status names that, the first reason the tier is off.
  EXPECT_NE(amx_status().find(amx_int8_supported() ? "disabled" : "tier off"), std::string::npos) << amx_status();
  for (int kw = 1; kw <= 8; ++kw)
    for (int ka = 1; ka <= 8; ++ka) {
      EXPECT_NE(select_gemm_variant(kw, ka, 4608), GemmVariant::kAmxTiles);
      EXPECT_THROW(make_gemm_plan(kw, ka, 64, GemmVariant::kAmxTiles), std::invalid_argument);
    }
}

TEST(GemmDispatch, Acc16FlushStepsNeverOverflow) {
  for (int kw = 1; kw <= 8; ++kw)
    for (int ka = 1; ka <= 8; ++ka) {
      const int steps = madd_acc16_flush_steps(kw, ka);
      const int64_t per_step = 2LL * act_code_max(ka) * weight_code_max(kw);
      EXPECT_LE(steps * per_step, 32767) << kw << "x" << ka;
      EXPECT_GT((steps + 1) * per_step, 32767) << kw << "x" << ka;
    }
  EXPECT_EQ(madd_acc16_flush_steps(8, 8), 0);  // 2 * 255 * 127 > 32767: why 8x8 needs another path
}

TEST(GemmErrors, BadArgumentsThrowWithTheValue) {
  EXPECT_THROW(make_gemm_plan(0, 4, 16), std::invalid_argument);
  EXPECT_THROW(make_gemm_plan(4, 9, 16), std::invalid_argument);
  EXPECT_THROW(make_gemm_plan(4, 4, 0), std::invalid_argument);
  EXPECT_THROW(make_gemm_plan(8, 8, 16, GemmVariant::kMaddU8S8Acc16), std::invalid_argument);
  EXPECT_THROW(make_gemm_plan(3, 1, 16, GemmVariant::kBitplanePopcount), std::invalid_argument);
  try {
    make_gemm_plan(4, 9, 16);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("9"), std::string::npos);
  }
  const GemmPlan plan = make_gemm_plan(3, 2, 4);
  const int8_t bad_w[4] = {0, 1, 4, -1};  // 4 > n = 3
  EXPECT_THROW(pack_weights(plan, bad_w, 1, 4), std::invalid_argument);
  const uint8_t bad_a[4] = {0, 1, 4, 3};  // 4 > 3
  EXPECT_THROW(pack_activations(plan, bad_a, 1, 4), std::invalid_argument);
  const int8_t w[4] = {0, 1, 2, -1};
  const uint8_t a[4] = {0, 1, 2, 3};
  const PackedWeights pw = pack_weights(plan, w, 1, 4);
  const PackedActivations pa = pack_activations(make_gemm_plan(3, 2, 4, GemmVariant::kMaddS16), a, 1, 4);
  int32_t out[1];
  EXPECT_THROW(gemm_s32(pw, pa, out, 1), std::invalid_argument);
}

}  // namespace
}  // namespace wrpn::kernels

namespace wrpn::kernels {
namespace {

// Long K makes the driver split M into several weight blocks (128 KiB of packed
// rows each), so tiles start at block boundaries that are not multiples of the
// vector width; the fused requantize then sees channel sub-ranges.
TEST(GemmBlocking, BlocksAlongMMatchReference) {
  const int m = 130, n = 9, k = 2048;
  for (auto [kw, ka] : {std::pair{1, 1}, {2, 1}, {4, 4}, {8, 8}}) {
    const auto w = testing::random_weights(kw, size_t(m) * k, 900 + kw);
    const auto a = testing::random_acts(ka, size_t(n) * k, 901 + ka);
    std::vector<int32_t> expect(size_t(n) * m);
    gemm_s32_ref(kw, ka, w.data(), k, a.data(), k, m, n, k, expect.data(), m);
    ChannelAffine aff;
    for (int i = 0; i < m; ++i) {
      aff.scale.push_back((i % 3 - 1) * 0.37f / float(k));
      aff.bias.push_back(0.5f);
    }
    const RequantizeThresholds th = make_requantize_thresholds(aff, ka);
    std::vector<uint8_t> codes_expect(expect.size());
    requantize_ref(aff, ka, expect.data(), m, n, codes_expect.data(), m);
    testing::for_each_target([&](int64_t) {
      for (GemmVariant v : all_gemm_variants()) {
        if (!gemm_variant_supports(v, kw, ka)) continue;
        SCOPED_TRACE(gemm_variant_name(v));
        const GemmPlan plan = make_gemm_plan(kw, ka, k, v);
        const PackedWeights pw = pack_weights(plan, w.data(), m, k);
        const PackedActivations pa = pack_activations(plan, a.data(), n, k);
        std::vector<int32_t> got(expect.size());
        gemm_s32(pw, pa, got.data(), m, 2);
        ASSERT_EQ(got, expect);
        std::vector<uint8_t> codes(expect.size());
        gemm_requantize(pw, pa, th, codes.data(), m, 2);
        ASSERT_EQ(codes, codes_expect);
      }
    });
  }
}

}  // namespace
}  // namespace wrpn::kernels
