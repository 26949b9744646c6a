// Training batch norm on wrpn's kernels (nn/batch_norm_training.h) against LibTorch's: output,
// saved statistics, running statistics and the three gradients, within float summation
// order; the module's bookkeeping (momentum, cumulative average, num_batches_tracked); and
// LibTorch's own results, bit for bit, where the switch is off or the input is not taken.
#include "wrpn/nn/batch_norm_training.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "wrpn/nn/batch_norm.h"

namespace wrpn {
namespace {

// Relative error in the norm.
double relative_error(const torch::Tensor& got, const torch::Tensor& want) {
  return (got - want).norm().item<double>() / (want.norm().item<double>() + 1e-30);
}

torch::Tensor conv_like_input(std::vector<int64_t> sizes, uint64_t seed) {
  torch::manual_seed(seed);
  // Channels with different means and spreads, some far from zero.
  const int64_t c = sizes[1];
  const torch::Tensor mean = torch::linspace(-5, 40, c).view({1, c, 1, 1});
  const torch::Tensor sd = torch::linspace(0.05, 3, c).view({1, c, 1, 1});
  return torch::randn(sizes) * sd + mean;
}

struct Sizes {
  std::vector<int64_t> v;
};
const Sizes kSizes[] = {{{8, 16, 32, 32}}, {{5, 3, 7, 9}}, {{2, 4, 1, 1}}, {{3, 6, 50, 45}}, {{1, 5, 2, 3}}};

TEST(BatchNormTraining, ForwardMatchesLibTorchAndMovesRunningStatistics) {
  for (const Sizes& s : kSizes) {
    const torch::Tensor x = conv_like_input(s.v, 3);
    const int64_t c = s.v[1];
    const torch::Tensor w = torch::rand({c}) + 0.5, b = torch::randn({c});
    torch::Tensor rm = torch::randn({c}), rv = torch::rand({c}) + 0.5;
    torch::Tensor rm_want = rm.clone(), rv_want = rv.clone();
    const torch::Tensor rm_before = rm.clone();
    auto [out, mean, invstd] = nn::batch_norm_train_forward(x, w, b, rm, rv, 0.1, 1e-5);
    auto [out_want, mean_want, invstd_want] =
        at::native_batch_norm(x, w, b, rm_want, rv_want, /*training=*/true, 0.1, 1e-5);
    const std::string at = c10::str(s.v);
    EXPECT_LT((out - out_want).abs().max().item<double>(), 2e-5) << at;
    EXPECT_LT(relative_error(mean, mean_want), 1e-6) << at;
    EXPECT_LT(relative_error(invstd, invstd_want), 1e-5) << at;
    EXPECT_LT(relative_error(rm, rm_want), 1e-6) << at;
    EXPECT_LT(relative_error(rv, rv_want), 1e-5) << at;
    EXPECT_GT((rm - rm_before).abs().min().item<double>(), 0) << at;  // every channel moved
  }
}

TEST(BatchNormTraining, GradientsMatchLibTorch) {
  for (const Sizes& s : kSizes) {
    const int64_t c = s.v[1];
    const torch::Tensor x0 = conv_like_input(s.v, 5);
    const torch::Tensor w0 = torch::rand({c}) + 0.5, b0 = torch::randn({c});
    const torch::Tensor g = torch::randn(s.v);
    auto grads_of = [&](bool own) {
      torch::Tensor x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_(), b = b0.clone().requires_grad_();
      torch::Tensor rm = torch::zeros({c}), rv = torch::ones({c});
      const torch::Tensor y = own ? nn::batch_norm_training(x, w, b, rm, rv, 0.1, 1e-5)
                                  : torch::batch_norm(x, w, b, rm, rv, /*training=*/true, 0.1, 1e-5, false);
      (y * g).sum().backward();
      return std::vector<torch::Tensor>{x.grad(), w.grad(), b.grad()};
    };
    const auto got = grads_of(true), want = grads_of(false);
    const char* names[] = {"x", "weight", "bias"};
    for (size_t i = 0; i < 3; ++i) {
      ASSERT_TRUE(got[i].defined()) << names[i];
      EXPECT_LT(relative_error(got[i], want[i]), 2e-5) << names[i] << " at " << c10::str(s.v);
    }
  }
}

TEST(BatchNormTraining, OnlyTheAskedGradientsAreComputed) {
  const torch::Tensor x = conv_like_input({2, 3, 4, 4}, 7);
  auto [out, mean, invstd] = nn::batch_norm_train_forward(x, torch::ones({3}), torch::zeros({3}), torch::Tensor(),
                                                          torch::Tensor(), 0.1, 1e-5);
  auto [gx, gw, gb] = nn::batch_norm_train_backward(torch::ones_like(x), x, torch::ones({3}), mean, invstd,
                                                    {false, true, false});
  EXPECT_FALSE(gx.defined());
  EXPECT_TRUE(gw.defined());
  EXPECT_FALSE(gb.defined());
}

// wrpn's BatchNorm2d against LibTorch's on the same parameters, three training steps.
void compare_modules(c10::optional<double> momentum, nn::BatchNormKernels kernels, double tolerance) {
  const nn::BatchNormKernelsGuard guard(kernels);
  auto options = torch::nn::BatchNormOptions(6).momentum(momentum);
  nn::BatchNorm2d ours(options);
  torch::nn::BatchNorm2d theirs(options);
  for (int step = 0; step < 3; ++step) {
    const torch::Tensor x = conv_like_input({4, 6, 5, 5}, 10 + step);
    const torch::Tensor a = ours(x), b = theirs(x);
    if (tolerance == 0) {
      ASSERT_TRUE(torch::equal(a, b)) << "step " << step;
    } else {
      EXPECT_LT((a - b).abs().max().item<double>(), tolerance) << "step " << step;
    }
  }
  EXPECT_EQ(ours->num_batches_tracked.item<int64_t>(), 3);
  const double tol = tolerance == 0 ? 0 : 1e-5;
  EXPECT_LE(relative_error(ours->running_mean, theirs->running_mean), tol);
  EXPECT_LE(relative_error(ours->running_var, theirs->running_var), tol);
}

TEST(BatchNormTraining, ModuleKeepsLibTorchsBookkeeping) {
  compare_modules(0.1, nn::BatchNormKernels::kWrpn, 2e-5);
  compare_modules(c10::nullopt, nn::BatchNormKernels::kWrpn, 2e-5);  // cumulative average
}

TEST(BatchNormTraining, SwitchedOffOrNotTakenItIsLibTorchBitForBit) {
  compare_modules(0.1, nn::BatchNormKernels::kLibTorch, 0);
  // Taken: contiguous 4-D CPU floats with more than one value per channel.
  EXPECT_TRUE(nn::own_batch_norm_takes(torch::zeros({2, 3, 4, 4})));
  EXPECT_FALSE(nn::own_batch_norm_takes(torch::zeros({2, 3, 4, 4}, torch::kFloat64)));
  EXPECT_FALSE(nn::own_batch_norm_takes(torch::zeros({2, 3, 4, 4}).contiguous(torch::MemoryFormat::ChannelsLast)));
  EXPECT_FALSE(nn::own_batch_norm_takes(torch::zeros({1, 3, 1, 1})));
  {
    const nn::BatchNormKernelsGuard off(nn::BatchNormKernels::kLibTorch);
    EXPECT_FALSE(nn::own_batch_norm_takes(torch::zeros({2, 3, 4, 4})));
  }
  nn::BatchNorm2d ours(4);
  torch::nn::BatchNorm2d theirs(4);
  const torch::Tensor x = conv_like_input({3, 4, 5, 5}, 2).contiguous(torch::MemoryFormat::ChannelsLast);
  EXPECT_TRUE(torch::equal(ours(x), theirs(x)));
  // One value per channel: LibTorch's own error.
  try {
    ours(torch::ones({1, 4, 1, 1}));
    ADD_FAILURE() << "one value per channel trained";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than 1 value per channel"), std::string::npos) << e.what();
  }
}

TEST(BatchNormTraining, KernelsNamesParse) {
  EXPECT_EQ(nn::parse_batch_norm_kernels("wrpn"), nn::BatchNormKernels::kWrpn);
  EXPECT_EQ(nn::parse_batch_norm_kernels("libtorch"), nn::BatchNormKernels::kLibTorch);
  try {
    nn::parse_batch_norm_kernels("cudnn");
    ADD_FAILURE() << "parsed";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "batch norm kernels must be wrpn or libtorch, got 'cudnn'");
  }
}

}  // namespace
}  // namespace wrpn
