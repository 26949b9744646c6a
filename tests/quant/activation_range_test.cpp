// The activation clip placement: the MSE-optimal clips are minima of the quantization error
// of a rectified unit Gaussian, and the model registry initialises batch norm to match.
#include <gtest/gtest.h>

#include <cmath>

#include "wrpn/models/registry.h"
#include "wrpn/quant/activation_range.h"

namespace wrpn {
namespace quant {
namespace {

// E[(Q_c(x) - max(x, 0))^2] for x ~ N(0, 1), Q_c rounding half to even over [0, c].
double rectified_gaussian_mse(double c, int bits) {
  const double n = double((1 << bits) - 1), h = 1e-3;
  double sum = 0;
  for (double x = h / 2; x < 9; x += h) {
    const double q = std::nearbyint(std::min(x, c) * n / c) * c / n;
    sum += (q - x) * (q - x) * std::exp(-x * x / 2) / std::sqrt(2 * M_PI) * h;
  }
  return sum;
}

TEST(ActivationRange, TableHoldsTheMinimaOfTheQuantizationError) {
  const double expected[] = {1.22, 1.94, 2.46, 2.90, 3.26, 3.62, 3.94, 4.22};
  for (int k = 1; k <= 8; ++k) {
    const double c = mse_optimal_clip_sigmas(k);
    EXPECT_DOUBLE_EQ(c, expected[k - 1]) << k;
    const double at = rectified_gaussian_mse(c, k);
    EXPECT_LT(at, rectified_gaussian_mse(c - 0.08, k)) << k;
    EXPECT_LT(at, rectified_gaussian_mse(c + 0.08, k)) << k;
    // The literal clip at 1 sigma costs more at every k >= 2 (at 4 bits 40x).
    if (k >= 2) {
      EXPECT_GT(rectified_gaussian_mse(1.0, k), 3 * at) << k;
    }
  }
  EXPECT_NEAR(rectified_gaussian_mse(1.0, 4) / rectified_gaussian_mse(2.9, 4), 40.8, 1.0);
}

TEST(ActivationRange, RequestedClipWinsAndFullPrecisionHasNone) {
  EXPECT_DOUBLE_EQ(activation_clip_sigmas(4, 0), 2.90);
  EXPECT_DOUBLE_EQ(activation_clip_sigmas(2, 0), 2.90);  // not the error-optimal 1.94
  EXPECT_DOUBLE_EQ(activation_clip_sigmas(1, 0), 1.22);  // the clip is also the threshold
  EXPECT_DOUBLE_EQ(activation_clip_sigmas(8, 0), 4.22);
  EXPECT_DOUBLE_EQ(activation_clip_sigmas(4, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(activation_clip_sigmas(2, 3.5), 3.5);
  EXPECT_DOUBLE_EQ(activation_clip_sigmas(32, 0), 1.0);
  EXPECT_THROW(mse_optimal_clip_sigmas(9), std::invalid_argument);
}

// The one value every batch-norm scale of `m` holds (fails when they differ).
double only_batch_norm_scale(torch::nn::Module& m) {
  std::vector<torch::Tensor> scales;
  for (const auto& mod : m.modules()) {
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(mod.get())) scales.push_back(bn->weight);
  }
  EXPECT_GT(scales.size(), 10u);
  const double value = scales.front()[0].item<double>();
  for (const auto& s : scales) {
    EXPECT_EQ(s.min().item<double>(), value);
    EXPECT_EQ(s.max().item<double>(), value);
  }
  return value;
}

TEST(ActivationRange, RegistryInitialisesEveryBatchNormScale) {
  models::ModelSpec spec;
  spec.name = "resnet20";
  spec.in_channels = 3;
  spec.input_size = 32;
  spec.weight_bits = spec.activation_bits = 4;
  EXPECT_NEAR(only_batch_norm_scale(*models::build_model(spec)), 1 / 2.90, 1e-7);
  spec.activation_bits = 6;
  EXPECT_NEAR(only_batch_norm_scale(*models::build_model(spec)), 1 / 3.62, 1e-7);
  spec.activation_bits = 2;
  EXPECT_NEAR(only_batch_norm_scale(*models::build_model(spec)), 1 / 2.90, 1e-7);
  spec.act_clip_sigmas = 1.0;  // the literal recipe
  EXPECT_DOUBLE_EQ(only_batch_norm_scale(*models::build_model(spec)), 1.0);
  spec.act_clip_sigmas = 0;
  spec.activation_bits = 32;  // a ReLU: LibTorch's default
  EXPECT_DOUBLE_EQ(only_batch_norm_scale(*models::build_model(spec)), 1.0);
  spec.act_clip_sigmas = 0.1;
  EXPECT_THROW(models::build_model(spec), std::invalid_argument);
}

}  // namespace
}  // namespace quant
}  // namespace wrpn
