// GradSync in one process (a Gloo group of one rank on a file store): buckets start their
// all-reduce during backward as they fill, and the sums land in .grad.
#include <gtest/gtest.h>

#include <cstdlib>

#include "../test_util.h"
#include "wrpn/distributed/grad_sync.h"
#include "wrpn/distributed/process_group.h"

namespace wrpn {
namespace distributed {
namespace {

using testing_util::TempDir;

std::shared_ptr<Group> single_rank_group(const TempDir& dir) {
  DistOptions o;
  o.store = "file:" + dir.file("store");
  o.timeout_s = 10;
  WorkerEnv env;
  env.rank = 0;
  env.world_size = 1;
  return Group::connect(env, o);
}

struct ThreeLayers : torch::nn::Module {
  torch::nn::Linear fc1{register_module("fc1", torch::nn::Linear(20, 64))};
  torch::nn::Linear fc2{register_module("fc2", torch::nn::Linear(64, 64))};
  torch::nn::Linear fc3{register_module("fc3", torch::nn::Linear(64, 3))};
  // `on_fc1_output_grad` sees the gradient of fc1's output: after fc3's and fc2's parameter
  // gradients, before fc1's.
  torch::Tensor forward(const torch::Tensor& x, std::function<void()> on_fc1_output_grad = {}) {
    torch::Tensor h = fc1(x);
    if (on_fc1_output_grad) h.register_hook([=](const torch::Tensor&) { on_fc1_output_grad(); });
    return fc3(fc2(h.relu()).relu());
  }
};

TEST(GradSync, BucketsStartDuringBackwardAndTheSumsLandInGrad) {
  TempDir dir("grad-sync");
  const auto group = single_rank_group(dir);
  torch::manual_seed(1);
  ThreeLayers net;
  const torch::Tensor x = torch::randn({8, 20});
  const torch::Tensor y = torch::randint(3, {8}, torch::kInt64);

  // Reference gradients without any sync.
  torch::nn::functional::cross_entropy(net.forward(x), y).backward();
  std::vector<torch::Tensor> expected;
  for (auto& p : net.parameters()) {
    expected.push_back(p.grad().clone());
    p.mutable_grad().zero_();
  }

  // Buckets of at most 4 KiB, filled from the last layer back: {fc3 bias, fc3 weight, fc2
  // bias}, {fc2 weight (16 KiB, alone)}, {fc1 bias}, {fc1 weight (5 KiB, alone)}.
  GradSync sync(net.parameters(), group, 4096);
  EXPECT_EQ(sync.bucket_count(), 4);
  EXPECT_EQ(sync.gradient_bytes(), (20 * 64 + 64 + 64 * 64 + 64 + 64 * 3 + 3) * 4);
  for (int step = 0; step < 2; ++step) {
    for (auto& p : net.parameters()) p.mutable_grad().zero_();
    sync.begin_step();
    EXPECT_EQ(sync.buckets_started(), 0);
    int64_t started_mid_backward = -1;
    const torch::Tensor logits = net.forward(x, [&] { started_mid_backward = sync.buckets_started(); });
    torch::nn::functional::cross_entropy(logits, y).backward();
    // fc3's and fc2's buckets were on their way while backward still had fc1 to do.
    EXPECT_EQ(started_mid_backward, 2);
    EXPECT_EQ(sync.buckets_started(), 4);
    sync.finish_step();
    const auto params = net.parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      EXPECT_TRUE(torch::equal(params[i].grad(), expected[i])) << "parameter " << i;
    }
  }
}

TEST(GradSync, UnusedParametersAreSummedAsZeros) {
  TempDir dir("grad-sync-unused");
  const auto group = single_rank_group(dir);
  torch::nn::Linear used(4, 2), unused(4, 2);
  std::vector<torch::Tensor> params = used->parameters();
  for (auto& p : unused->parameters()) params.push_back(p);
  GradSync sync(params, group, 16);
  sync.begin_step();
  used->forward(torch::ones({1, 4})).sum().backward();
  EXPECT_LT(sync.buckets_started(), sync.bucket_count());
  sync.finish_step();
  EXPECT_TRUE(torch::equal(unused->weight.grad(), torch::zeros({2, 4})));
  EXPECT_TRUE(torch::equal(used->bias.grad(), torch::ones({2})));
}

}  // namespace
}  // namespace distributed
}  // namespace wrpn
