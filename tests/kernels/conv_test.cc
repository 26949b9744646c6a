// Convolution as im2col into packed codes + packed GEMM, against the direct
// convolution oracle, for the zoo's kernel sizes, strides and zero padding.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernel_test_util.h"
#include "wrpn/kernels/amx_support.h"
#include "wrpn/kernels/conv.h"
#include "wrpn/kernels/onednn_conv.h"
#include "wrpn/kernels/output_transform.h"

namespace wrpn::kernels {
namespace {

struct ConvCase {
  int kernel, stride, pad;
};

std::vector<ConvShape> conv_shapes() {
  std::vector<ConvShape> shapes;
  const std::vector<ConvCase> kinds = {{3, 1, 1}, {3, 2, 1}, {5, 1, 2}, {5, 2, 2}, {1, 1, 0}, {1, 2, 0}, {3, 1, 0}};
  const int dims[][4] = {{2, 7, 5, 3}, {1, 9, 9, 33}, {1, 4, 6, 16}};  // batch, h, w, in_c
  const int outs[] = {5, 17};
  int i = 0;
  for (const ConvCase& kc : kinds)
    for (const auto& d : dims) {
      ConvShape s;
      s.batch = d[0];
      s.in_h = d[1];
      s.in_w = d[2];
      s.in_c = d[3];
      s.out_c = outs[i++ % 2];
      s.kernel_h = s.kernel_w = kc.kernel;
      s.stride = kc.stride;
      s.pad = kc.pad;
      if (s.in_h + 2 * s.pad < s.kernel_h || s.in_w + 2 * s.pad < s.kernel_w) continue;
      shapes.push_back(s);
    }
  return shapes;
}

std::string describe(const ConvShape& s) {
  return std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w) + " s" + std::to_string(s.stride) + " p" +
         std::to_string(s.pad) + " in " + std::to_string(s.batch) + "x" + std::to_string(s.in_h) + "x" +
         std::to_string(s.in_w) + "x" + std::to_string(s.in_c) + " out_c " + std::to_string(s.out_c);
}

TEST(Conv, Im2colPackedGemmMatchesDirectConvolution) {
  const std::pair<int, int> pairs[] = {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {3, 4}, {4, 4}, {8, 8}, {5, 3}, {1, 8}};
  uint32_t seed = 5;
  for (const ConvShape& s : conv_shapes()) {
    SCOPED_TRACE(describe(s));
    for (auto [kw, ka] : pairs) {
      SCOPED_TRACE("kw=" + std::to_string(kw) + " ka=" + std::to_string(ka));
      const auto in = testing::random_acts(ka, size_t(s.batch) * s.in_h * s.in_w * s.in_c, ++seed);
      const auto w = testing::random_weights(kw, size_t(s.out_c) * s.gemm_k(), ++seed);
      std::vector<int32_t> want(size_t(s.gemm_n()) * s.out_c);
      conv2d_s32_ref(kw, ka, s, in.data(), w.data(), want.data());
      const GemmPlan plan = make_gemm_plan(kw, ka, s.gemm_k());
      const PackedWeights pw = pack_conv_weights(plan, s, w.data());
      const PackedActivations pa = im2col_pack(plan, s, in.data());
      std::vector<int32_t> got(want.size(), -7);
      gemm_s32(pw, pa, got.data(), s.out_c, 2);
      ASSERT_EQ(got, want);
    }
  }
}

// The conv path on every target, for every exact variant of a few pairs.
TEST(Conv, EveryTargetMatchesDirectConvolution) {
  ConvShape s;
  s.batch = 1;
  s.in_h = 9;
  s.in_w = 7;
  s.in_c = 33;
  s.out_c = 6;
  s.kernel_h = s.kernel_w = 3;
  s.stride = 2;
  s.pad = 1;
  testing::for_each_target([&](int64_t) {
    for (auto [kw, ka] : {std::pair{1, 1}, {2, 2}, {4, 4}, {8, 8}}) {
      const auto in = testing::random_acts(ka, size_t(s.in_h) * s.in_w * s.in_c, 11);
      const auto w = testing::random_weights(kw, size_t(s.out_c) * s.gemm_k(), 12);
      std::vector<int32_t> want(size_t(s.gemm_n()) * s.out_c), got(want.size());
      conv2d_s32_ref(kw, ka, s, in.data(), w.data(), want.data());
      for (GemmVariant v : all_gemm_variants()) {
        if (!gemm_variant_supports(v, kw, ka)) continue;
        const GemmPlan plan = make_gemm_plan(kw, ka, s.gemm_k(), v);
        gemm_s32(pack_conv_weights(plan, s, w.data()), im2col_pack(plan, s, in.data()), got.data(), s.out_c);
        ASSERT_EQ(got, want) << kw << "x" << ka << " " << gemm_variant_name(v);
      }
    }
  });
}

// The blocked convolution (im2col packed per cache block, output transform fused) against
// the direct convolution followed by the float oracles, on every target (AMX included where
// the CPU has it), 1 and 2 threads, with N large enough for several blocks and a ragged tail.
TEST(Conv, BlockedConvolutionMatchesDirectConvolutionAndOracles) {
  struct Case {
    int batch, hw, in_c, out_c, kernel, stride, kw, ka;
  };
  const Case cases[] = {{3, 19, 33, 17, 3, 1, 4, 4},
                        {2, 23, 64, 40, 3, 1, 2, 2},
                        {1, 15, 16, 70, 3, 2, 8, 8},
                        {9, 11, 24, 9, 1, 1, 1, 1},
                        {6, 30, 8, 33, 3, 1, 3, 5}};
  for (const Case& c : cases) {
    ConvShape s;
    s.batch = c.batch;
    s.in_h = s.in_w = c.hw;
    s.in_c = c.in_c;
    s.out_c = c.out_c;
    s.kernel_h = s.kernel_w = c.kernel;
    s.stride = c.stride;
    s.pad = c.kernel / 2;
    SCOPED_TRACE("N=" + std::to_string(s.gemm_n()) + " K=" + std::to_string(s.gemm_k()) +
                 " M=" + std::to_string(s.out_c) + " " + std::to_string(c.kw) + "x" + std::to_string(c.ka));
    const auto in = testing::random_acts(c.ka, size_t(s.batch) * s.in_h * s.in_w * s.in_c, 21);
    const auto w = testing::random_weights(c.kw, size_t(s.out_c) * s.gemm_k(), 22);
    std::vector<int32_t> acc(size_t(s.gemm_n()) * s.out_c);
    conv2d_s32_ref(c.kw, c.ka, s, in.data(), w.data(), acc.data());
    ChannelAffine aff;
    for (int m = 0; m < s.out_c; ++m) {
      aff.scale.push_back(2e-3f * float((m % 5) - 2) + 1e-4f);
      aff.bias.push_back(0.31f + 0.01f * float(m % 3));
    }
    std::vector<uint8_t> want_codes(acc.size());
    requantize_ref(aff, 3, acc.data(), s.out_c, s.gemm_n(), want_codes.data(), s.out_c);
    std::vector<float> want_f(acc.size());
    for (size_t i = 0; i < acc.size(); ++i) want_f[i] = float(acc[i]) * aff.scale[i % s.out_c] + aff.bias[i % s.out_c];
    const RequantizeThresholds th = make_requantize_thresholds(aff, 3);
    testing::for_each_target([&](int64_t) {
      const GemmPlan plan = make_gemm_plan(c.kw, c.ka, s.gemm_k());
      SCOPED_TRACE(gemm_variant_name(plan.variant));
      const PackedWeights pw = pack_conv_weights(plan, s, w.data());
      for (int threads : {1, 2}) {
        std::vector<uint8_t> codes(acc.size(), 99);
        conv_requantize(pw, s, in.data(), th, codes.data(), threads);
        ASSERT_EQ(codes, want_codes) << threads << " threads";
        std::vector<float> f(acc.size(), -1.0f);
        conv_dequantize(pw, s, in.data(), aff, f.data(), threads);
        for (size_t i = 0; i < f.size(); ++i) ASSERT_NEAR(f[i], want_f[i], 1e-5f * (1 + std::fabs(want_f[i])));
      }
    });
  }
}

// The oneDNN int8 tier against the direct convolution for every (k_w, k_a), over awkward
// channel counts, strides and a 1x1 kernel; its fused transforms against the oracles.
TEST(Conv, OnednnTierMatchesDirectConvolutionForEveryPair) {
  if (!onednn_conv_tier_enabled()) GTEST_SKIP() << "oneDNN tier off here: " << amx_status();
  struct Case {
    int batch, hw, in_c, out_c, kernel, stride;
  };
  const Case cases[] = {{2, 9, 33, 17, 3, 1}, {1, 11, 64, 40, 3, 2}, {3, 5, 7, 65, 1, 1}, {1, 1, 127, 10, 1, 1}};
  uint32_t seed = 50;
  int amx_cases = 0;
  for (const Case& c : cases)
    for (int kw = 1; kw <= 8; ++kw)
      for (int ka = 1; ka <= 8; ++ka) {
        ConvShape s;
        s.batch = c.batch;
        s.in_h = s.in_w = c.hw;
        s.in_c = c.in_c;
        s.out_c = c.out_c;
        s.kernel_h = s.kernel_w = c.kernel;
        s.stride = c.stride;
        s.pad = c.kernel / 2;
        SCOPED_TRACE(std::to_string(kw) + "x" + std::to_string(ka) + " in_c=" + std::to_string(c.in_c));
        const auto in = testing::random_acts(ka, size_t(s.batch) * s.in_h * s.in_w * s.in_c, ++seed);
        const auto w = testing::random_weights(kw, size_t(s.out_c) * s.gemm_k(), ++seed);
        std::vector<int32_t> want(size_t(s.gemm_n()) * s.out_c), got(want.size(), -7);
        conv2d_s32_ref(kw, ka, s, in.data(), w.data(), want.data());
        const OnednnConv conv(s, kw, ka, w.data());
        if (!conv.exact_for(s.batch)) continue;  // not AMX for this shape: the runtime falls back
        ++amx_cases;
        conv.run_s32(in.data(), s.batch, got.data(), 1 + (kw % 2));
        ASSERT_EQ(got, want);
        if (kw == ka) {
          ChannelAffine aff;
          for (int m = 0; m < s.out_c; ++m) {
            aff.scale.push_back(3e-3f * float((m % 5) - 2) + 1e-4f);
            aff.bias.push_back(0.41f);
          }
          std::vector<uint8_t> want_codes(want.size()), codes(want.size());
          requantize_ref(aff, ka, want.data(), s.out_c, s.gemm_n(), want_codes.data(), s.out_c);
          conv.run_requantize(in.data(), s.batch, make_requantize_thresholds(aff, ka), codes.data(), 2);
          ASSERT_EQ(codes, want_codes);
        }
      }
  EXPECT_GE(amx_cases, 64 * 2) << "oneDNN ran too few of these shapes on an exact (AMX or VNNI) implementation";
}

// Accumulators past 2^24 (where a float would round) and near the int32 bound the plan
// allows: every input code at its maximum, weights at +-n with an odd sum, so a path that
// went through f32 or saturated would be off by at least one.
TEST(Conv, OnednnTierIsExactAtTheLargestAccumulators) {
  if (!onednn_conv_tier_enabled()) GTEST_SKIP() << "oneDNN tier off here: " << amx_status();
  ConvShape s;
  s.batch = 2;
  s.in_h = s.in_w = 5;
  s.in_c = 512;
  s.out_c = 20;
  s.kernel_h = s.kernel_w = 3;
  s.stride = 1;
  s.pad = 1;
  const std::vector<uint8_t> in(size_t(s.batch) * s.in_h * s.in_w * s.in_c, 255);
  std::vector<int8_t> w(size_t(s.out_c) * s.gemm_k(), 127);
  for (int m = 0; m < s.out_c; ++m)
    for (int i = 0; i < m; ++i) w[size_t(m) * s.gemm_k() + size_t(i) * 97] = -127;  // channel m: m taps negative
  std::vector<int32_t> want(size_t(s.gemm_n()) * s.out_c), got(want.size(), -7);
  conv2d_s32_ref(8, 8, s, in.data(), w.data(), want.data());
  ASSERT_GT(want[size_t(2 * 5 + 2) * s.out_c], 1 << 27);  // centre pixel, channel 0: 4608 x 255 x 127
  const OnednnConv conv(s, 8, 8, w.data());
  if (!conv.exact_for(s.batch)) GTEST_SKIP() << "oneDNN runs this shape on " << conv.impl(s.batch);
  conv.run_s32(in.data(), s.batch, got.data(), 2);
  EXPECT_EQ(got, want) << conv.impl(s.batch);
}

// The exactness rule by implementation name, as oneDNN 2.6 spells them.
TEST(Conv, OnlyAmxAndVnniImplementationsCountAsExact) {
  EXPECT_TRUE(onednn_impl_is_exact("brgconv:avx512_core_vnni"));
  EXPECT_TRUE(onednn_impl_is_exact("jit_int8:avx2_vnni"));
  EXPECT_FALSE(onednn_impl_is_exact("brgconv:avx512_core"));
  EXPECT_FALSE(onednn_impl_is_exact("jit_int8:avx2"));
  EXPECT_FALSE(onednn_impl_is_exact("gemm:jit"));
  EXPECT_EQ(onednn_impl_is_exact("brgconv:avx512_core_amx_int8"), amx_tier_enabled());
  testing::ScopedAmxDisabled no_amx;
  EXPECT_FALSE(onednn_impl_is_exact("brgconv:avx512_core_amx_int8"));  // WRPN_DISABLE_AMX holds for oneDNN too
}

// Popcount over oneDNN's VNNI only where it measured faster: 1b/1b from K = 1152, 1b/2b
// from K = 2304 (k_w * k_a passes); never over AMX, never for a non-bit-plane plan.
TEST(Conv, PopcountIsPreferredOverVnniFromTheMeasuredK) {
  const auto popcount = [](int kw, int ka, int k) { return make_gemm_plan(kw, ka, k, GemmVariant::kBitplanePopcount); };
  const std::string vnni = "brgconv:avx512_core_vnni", amx = "brgconv:avx512_core_amx_int8";
  EXPECT_TRUE(popcount_beats_onednn(popcount(1, 1, 1152), vnni));
  EXPECT_FALSE(popcount_beats_onednn(popcount(1, 1, 1151), vnni));
  EXPECT_FALSE(popcount_beats_onednn(popcount(1, 2, 1152), vnni));
  EXPECT_TRUE(popcount_beats_onednn(popcount(1, 2, 2304), vnni));
  EXPECT_TRUE(popcount_beats_onednn(popcount(2, 2, 4608), vnni));
  EXPECT_FALSE(popcount_beats_onednn(popcount(1, 1, 4608), amx));
  EXPECT_FALSE(popcount_beats_onednn(make_gemm_plan(1, 1, 4608, GemmVariant::kDotU8S8), vnni));
}

TEST(Conv, ReorderOihwToOhwi) {
  const int o = 2, i = 3, h = 2, w = 2;
  std::vector<int8_t> oihw(o * i * h * w), ohwi(oihw.size());
  for (size_t n = 0; n < oihw.size(); ++n) oihw[n] = static_cast<int8_t>(n);
  reorder_oihw_to_ohwi(oihw.data(), o, i, h, w, ohwi.data());
  for (int a = 0; a < o; ++a)
    for (int b = 0; b < i; ++b)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) EXPECT_EQ(ohwi[((a * h + y) * w + x) * i + b], oihw[((a * i + b) * h + y) * w + x]);
}

TEST(Conv, InvalidShapesThrowNamingTheField) {
  ConvShape s;
  s.in_h = 2;
  s.in_w = 2;
  s.in_c = 1;
  s.out_c = 1;
  s.kernel_h = s.kernel_w = 5;
  try {
    s.validate();
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("kernel_h = 5"), std::string::npos) << e.what();
  }
  s.kernel_h = s.kernel_w = 1;
  s.stride = 0;
  EXPECT_THROW(s.validate(), std::invalid_argument);
  s.stride = 1;
  const GemmPlan wrong_k = make_gemm_plan(2, 2, 7);
  const uint8_t in[4] = {0, 1, 2, 3};
  EXPECT_THROW(im2col_pack(wrong_k, s, in), std::invalid_argument);
}

}  // namespace
}  // namespace wrpn::kernels
