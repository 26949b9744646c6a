// DoReFa, PACT and LSQ (quant/dorefa.h, pact.h, lsq.h) against hand-computed tables at 1, 2,
// 4 and 8 bits, ties included, and their gradients against the papers' formulas.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.h"
#include "wrpn/quant/dorefa.h"
#include "wrpn/quant/lsq.h"
#include "wrpn/quant/pact.h"

namespace wrpn {
namespace quant {
namespace {

torch::Tensor t(std::vector<float> v) { return torch::tensor(v, torch::kFloat32); }

void expect_near(const torch::Tensor& got, const std::vector<double>& want, double tol = 1e-6) {
  ASSERT_EQ(got.numel(), int64_t(want.size()));
  const auto c = got.contiguous().to(torch::kFloat64);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(c.data_ptr<double>()[i], want[i], tol) << "element " << i;
}

std::vector<double> scaled(const std::vector<double>& codes, double scale) {
  std::vector<double> v;
  for (double c : codes) v.push_back(c * scale);
  return v;
}

// --- DoReFa ---------------------------------------------------------------------------------

TEST(DoReFa, UnitQuantizerTiesRoundHalfToEven) {
  const auto r = t({0.0f, 0.2f, 0.5f, 0.75f, 1.0f});
  // k=1, n=1: 0.2 -> 0, 0.5 -> 0 (tie, even), 0.75 -> 1
  expect_near(dorefa_quantize_unit(r, 1), {0, 0, 0, 1, 1});
  // k=2, n=3: 0.6 -> 1, 1.5 -> 2 (tie), 2.25 -> 2
  expect_near(dorefa_quantize_unit(r, 2), scaled({0, 1, 2, 2, 3}, 1.0 / 3));
  // k=4, n=15: 3 -> 3, 7.5 -> 8 (tie), 11.25 -> 11
  expect_near(dorefa_quantize_unit(r, 4), scaled({0, 3, 8, 11, 15}, 1.0 / 15));
  // k=8, n=255: 51 -> 51, 127.5 -> 128 (tie), 191.25 -> 191
  expect_near(dorefa_quantize_unit(r, 8), scaled({0, 51, 128, 191, 255}, 1.0 / 255));
}

// r = tanh(w) / (2 tanh(2)) + 1/2 (max|tanh| = tanh(2) = 0.96403), w_q = 2 round(n r) / n - 1.
// n r at k=2: 0, 0.664, 1.345, 1.5 (w = 0: a tie, to 2), 1.578, 1.953, 2.614, 2.908.
TEST(DoReFa, WeightsHandComputed) {
  const auto w = t({-2.0f, -0.6f, -0.1f, 0.0f, 0.05f, 0.3f, 0.9f, 1.5f});
  const auto levels = [](std::vector<double> codes, double n) {
    for (double& c : codes) c = 2 * c / n - 1;
    return codes;
  };
  expect_near(dorefa_weights(w, 2), levels({0, 1, 1, 2, 2, 2, 3, 3}, 3));
  // n r at k=4: 0, 3.32, 6.72, 7.5 (tie, to 8), 7.89, 9.77, 13.07, 14.54
  expect_near(dorefa_weights(w, 4), levels({0, 3, 7, 8, 8, 10, 13, 15}, 15));
  // n r at k=8: 0, 56.47, 114.32, 127.5 (tie, to 128), 134.11, 166.03, 222.24, 247.21
  expect_near(dorefa_weights(w, 8), levels({0, 56, 114, 128, 134, 166, 222, 247}, 255));
  // k=1: mean|w| = 5.45 / 8 = 0.68125, sign(0) = +1
  const double a = 0.68125;
  expect_near(dorefa_weights(w, 1), {-a, -a, -a, a, a, a, a, a});
  expect_near(dorefa_weights(w, 32), {-2.0, -0.6, -0.1, 0.0, 0.05, 0.3, 0.9, 1.5});
}

// The rounding is straight through; tanh and the max keep their own derivatives: the gradient
// is that of the unrounded 2 (tanh(w) / (2 max|tanh|) + 1/2) - 1 = tanh(w) / max|tanh(w)|.
TEST(DoReFa, WeightGradientIsThatOfTheUnroundedTransform) {
  const auto w0 = t({-2.0f, -0.6f, 0.0f, 0.3f, 1.5f});
  const auto upstream = t({0.5f, -1.0f, 2.0f, 0.25f, 1.0f});
  auto w = w0.clone().requires_grad_(true);
  (dorefa_weights(w, 4) * upstream).sum().backward();
  auto v = w0.clone().requires_grad_(true);
  const auto tv = torch::tanh(v);
  ((tv / tv.abs().max()) * upstream).sum().backward();
  const auto want = v.grad().to(torch::kFloat64).contiguous();
  expect_near(w.grad(), std::vector<double>(want.data_ptr<double>(), want.data_ptr<double>() + want.numel()));
  // 1 bit: straight through, alpha a constant.
  auto b = w0.clone().requires_grad_(true);
  (dorefa_weights(b, 1) * upstream).sum().backward();
  expect_near(b.grad(), {0.5, -1.0, 2.0, 0.25, 1.0});
}

TEST(DoReFa, ActivationsAreWrpnsClip) {
  const auto x = t({-0.7f, 0.25f, 0.5f, 1.7f});
  expect_near(dorefa_activations(x, 2), {0, 1.0 / 3, 2.0 / 3, 1});
  EXPECT_EQ(testing_util::error_of([&] { dorefa_weights(x, 9); }),
            "weight bits must be 1..8 or 32 (full precision), got 9");
}

// --- PACT -----------------------------------------------------------------------------------

// alpha = 2: y = clamp(x, 0, 2), y_q = round(y n / 2) 2 / n.
TEST(Pact, HandComputedTables) {
  const auto x = t({-1.0f, 0.0f, 0.3f, 1.0f, 1.9f, 2.0f, 3.5f});
  const auto alpha = t({2.0f});
  // k=1, n=1: y/2 = 0, 0, 0.15, 0.5 (tie, to 0), 0.95, 1, 1
  expect_near(pact_activations(x, alpha, 1), scaled({0, 0, 0, 0, 1, 1, 1}, 2.0));
  // k=2, n=3: 1.5 y = 0, 0, 0.45, 1.5 (tie, to 2), 2.85, 3, 3
  expect_near(pact_activations(x, alpha, 2), scaled({0, 0, 0, 2, 3, 3, 3}, 2.0 / 3));
  // k=4, n=15: 7.5 y = 0, 0, 2.25, 7.5 (tie, to 8), 14.25, 15, 15
  expect_near(pact_activations(x, alpha, 4), scaled({0, 0, 2, 8, 14, 15, 15}, 2.0 / 15));
  // k=8, n=255: 127.5 y = 0, 0, 38.25, 127.5 (tie, to 128), 242.25, 255, 255
  expect_near(pact_activations(x, alpha, 8), scaled({0, 0, 38, 128, 242, 255, 255}, 2.0 / 255));
  // 32 bits: the clip alone.
  expect_near(pact_activations(x, alpha, 32), {0, 0, 0.3, 1.0, 1.9, 2.0, 2.0});
}

// The paper's equation 3: dy_q/dalpha = 1 where x >= alpha, else 0; dy_q/dx = 1 on [0, alpha).
TEST(Pact, GradientsAreThePapers) {
  const auto upstream = t({1, 2, 3, 4, 5, 6, 7});
  for (int bits : {1, 2, 4, 8, 32}) {
    auto x = t({-1.0f, 0.0f, 0.3f, 1.0f, 1.9f, 2.0f, 3.5f}).requires_grad_(true);
    auto alpha = t({2.0f}).requires_grad_(true);
    (pact_activations(x, alpha, bits) * upstream).sum().backward();
    expect_near(x.grad(), {0, 2, 3, 4, 5, 0, 0});
    expect_near(alpha.grad(), {6 + 7});
  }
}

// Unrounded (32 bits), the clip is differentiable almost everywhere: alpha's gradient is its
// central finite difference.
TEST(Pact, AlphaGradientMatchesFiniteDifferencesUnrounded) {
  const auto x = torch::linspace(-1, 4, 41, torch::kFloat64);
  const auto upstream = torch::cos(x);
  auto alpha = torch::tensor({1.73}, torch::kFloat64).requires_grad_(true);
  (pact_activations(x, alpha, 32) * upstream).sum().backward();
  const double h = 1e-6;
  const auto f = [&](double a) {
    return (pact_activations(x, torch::tensor({a}, torch::kFloat64), 32) * upstream).sum().item<double>();
  };
  EXPECT_NEAR(alpha.grad().item<double>(), (f(1.73 + h) - f(1.73 - h)) / (2 * h), 1e-6);
}

// --- LSQ ------------------------------------------------------------------------------------

TEST(Lsq, RangesAndScales) {
  EXPECT_EQ(lsq_range(2, true).q_n, 2);
  EXPECT_EQ(lsq_range(2, true).q_p, 1);
  EXPECT_EQ(lsq_range(8, true).q_n, 128);
  EXPECT_EQ(lsq_range(8, true).q_p, 127);
  EXPECT_EQ(lsq_range(1, false).q_p, 1);
  EXPECT_EQ(lsq_range(4, false).q_n, 0);
  EXPECT_EQ(lsq_range(4, false).q_p, 15);
  EXPECT_DOUBLE_EQ(lsq_gradient_scale(100, 4, true), 1.0 / std::sqrt(700.0));
  EXPECT_DOUBLE_EQ(lsq_gradient_scale(36, 2, false), 1.0 / std::sqrt(108.0));
  // 2 mean|v| / sqrt(Q_P): 2 * 2 / sqrt(7)
  EXPECT_NEAR(lsq_initial_step(t({1.0f, -3.0f}), 4, true).item<double>(), 4.0 / std::sqrt(7.0), 1e-6);
  EXPECT_EQ(testing_util::error_of([] { lsq_range(1, true); }), "LSQ weight bits must be 2..8, got 1");
  EXPECT_EQ(testing_util::error_of([] { lsq_range(9, false); }), "LSQ activation bits must be 1..8, got 9");
}

// s = 0.25, unsigned: v / s = -4, 0, 0.4, 0.5, 1.5, 4, 15, 20.
TEST(Lsq, ActivationsHandComputed) {
  const auto v = t({-1.0f, 0.0f, 0.1f, 0.125f, 0.375f, 1.0f, 3.75f, 5.0f});
  const auto s = t({0.25f});
  // Q_P = 1: clamp to [0, 1], 0.5 -> 0 (tie)
  expect_near(lsq_quantize(v, s, 1, false, 1.0), scaled({0, 0, 0, 0, 1, 1, 1, 1}, 0.25));
  // Q_P = 3: 1.5 -> 2 (tie)
  expect_near(lsq_quantize(v, s, 2, false, 1.0), scaled({0, 0, 0, 0, 2, 3, 3, 3}, 0.25));
  expect_near(lsq_quantize(v, s, 4, false, 1.0), scaled({0, 0, 0, 0, 2, 4, 15, 15}, 0.25));
  expect_near(lsq_quantize(v, s, 8, false, 1.0), scaled({0, 0, 0, 0, 2, 4, 15, 20}, 0.25));
}

// s = 0.5, signed: v / s = -4, -2, -1.52, -0.5, 0, 0.4, 0.5, 0.6, 1.5, 4.
TEST(Lsq, WeightsHandComputed) {
  const auto v = t({-2.0f, -1.0f, -0.76f, -0.25f, 0.0f, 0.2f, 0.25f, 0.3f, 0.75f, 2.0f});
  const auto s = t({0.5f});
  // k=2: [-2, 1]; -0.5 -> 0 and 0.5 -> 0 (ties), 1.5 clamps to 1
  expect_near(lsq_quantize(v, s, 2, true, 1.0), scaled({-2, -2, -2, 0, 0, 0, 0, 1, 1, 1}, 0.5));
  // k=4: [-8, 7]; 1.5 -> 2 (tie)
  expect_near(lsq_quantize(v, s, 4, true, 1.0), scaled({-4, -2, -2, 0, 0, 0, 0, 1, 2, 4}, 0.5));
  expect_near(lsq_quantize(v, s, 8, true, 1.0), scaled({-4, -2, -2, 0, 0, 0, 0, 1, 2, 4}, 0.5));
}

// Equation 3 at k=2 signed, s = 0.5: ds per element = -Q_N (-2) for v/s <= -2 (two of them),
// round(r) - r inside (-1.52 -> -0.48, -0.5 -> 0.5, 0 -> 0, 0.4 -> -0.4, 0.5 -> -0.5,
// 0.6 -> 0.4), Q_P (1) for v/s >= 1 (two). With upstream 1: -4 - 0.48 + 2 = -2.48, times g.
TEST(Lsq, GradientsAreThePapers) {
  auto v = t({-2.0f, -1.0f, -0.76f, -0.25f, 0.0f, 0.2f, 0.25f, 0.3f, 0.75f, 2.0f}).requires_grad_(true);
  auto s = t({0.5f}).requires_grad_(true);
  const double g = lsq_gradient_scale(10, 2, true);  // 1 / sqrt(10)
  lsq_quantize(v, s, 2, true, g).sum().backward();
  expect_near(v.grad(), {0, 0, 1, 1, 1, 1, 1, 1, 0, 0});
  expect_near(s.grad(), {-2.48 * g}, 1e-6);
}

}  // namespace
}  // namespace quant
}  // namespace wrpn
