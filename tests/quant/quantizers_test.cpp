// The WRPN quantizers against hand-computed tables (../shared/WRPN.md is the contract).
#include "wrpn/quant/quantizers.h"

#include <gtest/gtest.h>

#include "wrpn/quant/bits.h"

namespace wrpn {
namespace quant {
namespace {

torch::Tensor t(std::vector<float> v) { return torch::tensor(v, torch::kFloat32); }

void expect_values(const torch::Tensor& got, const std::vector<float>& want) {
  ASSERT_EQ(got.numel(), int64_t(want.size()));
  const auto c = got.contiguous();
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(c.data_ptr<float>()[i], want[i]) << "element " << i;
  }
}

TEST(ActivationQuantizer, HandComputedTables) {
  //                       below   0     tie    low    tie    high   1     above
  const auto x = t({-0.7f, 0.0f, 0.25f, 0.4f, 0.5f, 0.8f, 1.0f, 1.7f});
  // k=1, n=1: round(x) on [0,1]: 0.5 -> 0 (half to even)
  expect_values(quantize_activations(x, 1), {0, 0, 0, 0, 0, 1, 1, 1});
  // k=2, n=3: 0.25*3=0.75 -> 1; 0.4*3=1.2 -> 1; 0.5*3=1.5 -> 2 (even); 0.8*3=2.4 -> 2
  expect_values(quantize_activations(x, 2), {0, 0, 1.0f / 3, 1.0f / 3, 2.0f / 3, 2.0f / 3, 1, 1});
  // k=3, n=7: 0.25*7=1.75 -> 2; 0.4*7=2.8 -> 3; 0.5*7=3.5 -> 4 (even); 0.8*7=5.6 -> 6
  expect_values(quantize_activations(x, 3), {0, 0, 2.0f / 7, 3.0f / 7, 4.0f / 7, 6.0f / 7, 1, 1});
  // k=4, n=15: 0.25*15=3.75 -> 4; 0.4*15=6 -> 6; 0.5*15=7.5 -> 8 (even); 0.8*15=12 -> 12
  expect_values(quantize_activations(x, 4), {0, 0, 4.0f / 15, 6.0f / 15, 8.0f / 15, 12.0f / 15, 1, 1});
  // k=8, n=255: 0.25*255=63.75 -> 64; 0.4*255=102; 0.5*255=127.5 -> 128 (even); 0.8*255=204
  expect_values(quantize_activations(x, 8), {0, 0, 64.0f / 255, 102.0f / 255, 128.0f / 255, 204.0f / 255, 1, 1});
  // 32 bits: a plain ReLU.
  expect_values(quantize_activations(x, 32), {0, 0, 0.25f, 0.4f, 0.5f, 0.8f, 1.0f, 1.7f});
}

TEST(ActivationQuantizer, TiesAtEveryBitWidthRoundToEven) {
  for (int k = 1; k <= 8; ++k) {
    const int64_t n = activation_levels(k);
    // 0.5 * n = (n - 1) / 2 + 0.5 is an exact tie between the codes (n-1)/2 and (n+1)/2.
    const float got = quantize_activations(t({0.5f}), k).item<float>();
    const int64_t lower = (n - 1) / 2, upper = (n + 1) / 2;
    const int64_t even = lower % 2 == 0 ? lower : upper;
    EXPECT_EQ(got, float(even) / float(n)) << "k=" << k;
  }
}

TEST(WeightQuantizer, HandComputedTables) {
  const auto w = t({-1.6f, -1.0f, -0.5f, -0.2f, 0.0f, 0.3f, 0.5f, 0.9f, 1.0f, 2.0f});
  // k=2, ternary, n=1: 0.5 -> 0 (even), 0.9 -> 1
  expect_values(quantize_weights(w, 2), {-1, -1, 0, 0, 0, 0, 0, 1, 1, 1});
  // k=3, n=3: -0.5*3=-1.5 -> -2; -0.2*3=-0.6 -> -1; 0.3*3=0.9 -> 1; 0.5*3=1.5 -> 2; 0.9*3=2.7 -> 3
  expect_values(quantize_weights(w, 3), {-1, -1, -2.0f / 3, -1.0f / 3, 0, 1.0f / 3, 2.0f / 3, 1, 1, 1});
  // k=4, n=7: -3.5 -> -4; -1.4 -> -1; 2.1 -> 2; 3.5 -> 4; 6.3 -> 6
  expect_values(quantize_weights(w, 4), {-1, -1, -4.0f / 7, -1.0f / 7, 0, 2.0f / 7, 4.0f / 7, 6.0f / 7, 1, 1});
  // k=8, n=127: -63.5 -> -64; -25.4 -> -25; 38.1 -> 38; 63.5 -> 64; 114.3 -> 114
  expect_values(quantize_weights(w, 8),
                {-1, -1, -64.0f / 127, -25.0f / 127, 0, 38.0f / 127, 64.0f / 127, 114.0f / 127, 1, 1});
  // 32 bits: identity.
  EXPECT_TRUE(torch::equal(quantize_weights(w, 32), w));
}

TEST(WeightQuantizer, BinaryIsAlphaTimesSignWithSignOfZeroPositive) {
  const auto w = t({-0.4f, 0.0f, 0.2f, -0.2f});
  // mean |w| = 0.2, within float summation order
  EXPECT_TRUE(torch::allclose(quantize_weights(w, 1), t({-0.2f, 0.2f, 0.2f, -0.2f}), 0, 1e-7));
}

TEST(WeightQuantizer, BinaryPerChannelAlpha) {
  const auto w = t({-0.4f, 0.2f, 1.0f, 3.0f}).reshape({2, 2});
  // row 0: alpha = 0.3; row 1: alpha = 2.0
  EXPECT_TRUE(torch::allclose(quantize_weights(w, 1, /*per_channel=*/true),
                              t({-0.3f, 0.3f, 2.0f, 2.0f}).reshape({2, 2}), 0, 1e-7));
}

TEST(Quantizers, LevelCounts) {
  const auto dense = torch::linspace(-1.2, 1.2, 100001);
  for (int k = 1; k <= 8; ++k) {
    EXPECT_EQ(std::get<0>(torch::_unique(quantize_activations(dense, k))).numel(), int64_t(1) << k)
        << "activation levels, k=" << k;
    const int64_t weight_levels_expected = k == 1 ? 2 : (int64_t(1) << k) - 1;
    EXPECT_EQ(std::get<0>(torch::_unique(quantize_weights(dense, k))).numel(), weight_levels_expected)
        << "weight levels, k=" << k;
  }
}

TEST(Quantizers, StraightThroughGradientInsideClipRangeZeroOutside) {
  const auto a = t({-0.1f, 0.0f, 0.3f, 1.0f, 1.01f}).requires_grad_(true);
  const auto g = t({1, 2, 3, 4, 5});
  quantize_activations(a, 4).backward(g);
  expect_values(a.grad(), {0, 2, 3, 4, 0});

  for (int k : {1, 2, 4, 8}) {
    const auto w = t({-1.5f, -1.0f, 0.0f, 0.7f, 1.0f, 1.2f}).requires_grad_(true);
    quantize_weights(w, k).backward(t({1, 2, 3, 4, 5, 6}));
    expect_values(w.grad(), {0, 2, 3, 4, 5, 0});
  }
  // 32-bit activations: the ReLU's gradient.
  const auto r = t({-0.5f, 0.5f, 2.0f}).requires_grad_(true);
  quantize_activations(r, 32).backward(t({1, 1, 1}));
  expect_values(r.grad(), {0, 1, 1});
}

TEST(Quantizers, FusedKernelEqualsTheAtenFormulaUsedOnOtherDevices) {
  torch::manual_seed(3);
  const auto x = torch::randn({4097}) * 0.8;
  for (int k = 1; k <= 8; ++k) {
    const int64_t n = activation_levels(k);
    const auto aten = torch::round(torch::clamp(x, 0.0, 1.0) * double(n)) / double(n);
    EXPECT_TRUE(torch::equal(fake_quantize(x, 0.0, 1.0, n), aten)) << "k=" << k;
  }
}

TEST(Quantizers, NonContiguousInputs) {
  const auto x = torch::linspace(-1, 1, 24).reshape({4, 6}).t();
  EXPECT_TRUE(torch::equal(quantize_activations(x, 2), quantize_activations(x.contiguous(), 2)));
}

TEST(Quantizers, RejectsBadBitWidths) {
  const auto x = t({0.5f});
  for (int bad : {0, 9, 16, -1}) {
    try {
      quantize_activations(x, bad);
      FAIL() << "accepted activation bits " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()),
                "activation bits must be 1..8 or 32 (full precision), got " + std::to_string(bad));
    }
    EXPECT_THROW(quantize_weights(x, bad), std::invalid_argument);
  }
}

}  // namespace
}  // namespace quant
}  // namespace wrpn
