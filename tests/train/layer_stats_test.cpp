// Per-layer diagnostics against a hand-built case: clip counts of the activation quantizer,
// gradient norms of each layer, and the warnings that name a saturated layer.
#include <gtest/gtest.h>

#include "wrpn/nn/qlinear.h"
#include "wrpn/nn/qrelu.h"
#include "wrpn/train/layer_stats.h"

namespace wrpn {
namespace train {
namespace {

TEST(LayerStats, QuantizerCountsClippedInputsInTrainingOnly) {
  nn::QReLU act(4);
  const torch::Tensor x = torch::tensor({-1.0f, -0.5f, 0.0f, 0.3f, 1.0f, 1.2f, 2.0f});
  act->train();
  act(x);
  act(x.slice(0, 0, 2));
  EXPECT_EQ(act->clip_counts.below, 4);  // -1, -0.5, twice: 0 and 1 themselves pass
  EXPECT_EQ(act->clip_counts.above, 2);  // 1.2, 2
  EXPECT_EQ(act->clip_counts.total, 9);
  act->eval();
  act(x);
  EXPECT_EQ(act->clip_counts.total, 9);  // evaluation does not count
  nn::QReLU relu(32);
  relu->train();
  relu(x);
  EXPECT_EQ(relu->clip_counts.below, 2);
  EXPECT_EQ(relu->clip_counts.above, 0);  // a ReLU has no upper clip
}

TEST(LayerStats, ParallelCountEqualsTheFormula) {
  const torch::Tensor x = torch::randn({3, 70000}) * 1.5;
  const nn::ClipCounts c = nn::count_clipped(x, 1.0);
  EXPECT_EQ(c.below, (x < 0).sum().item<int64_t>());
  EXPECT_EQ(c.above, (x > 1).sum().item<int64_t>());
  EXPECT_EQ(c.total, x.numel());
}

// fc -> act -> out, with fc's outputs all above 1: the activation is saturated and fc gets
// no gradient, while out does.
struct Tiny : torch::nn::Module {
  Tiny() {
    fc = register_module("fc", nn::QLinear(nn::QLinearOptions(2, 3).weight_bits(4)));
    act = register_module("act", nn::QReLU(4));
    out = register_module("out", nn::QLinear(nn::QLinearOptions(3, 2).bias(false)));
  }
  torch::Tensor forward(const torch::Tensor& x) { return out(act(fc(x))); }
  nn::QLinear fc{nullptr};
  nn::QReLU act{nullptr};
  nn::QLinear out{nullptr};
};

TEST(LayerStats, SaturatedLayerIsNamedWithItsFigures) {
  Tiny m;
  {
    torch::NoGradGuard g;
    m.fc->weight.fill_(0.5);
    m.fc->bias.fill_(5.0);
    m.out->weight.copy_(torch::tensor({{1.0f, -2.0f, 0.5f}, {0.0f, 1.0f, 1.0f}}));
  }
  m.train();
  LayerStatsCollector stats(m);
  const torch::Tensor x = torch::tensor({{1.0f, 2.0f}, {0.5f, -1.0f}});
  for (int step = 0; step < 2; ++step) {
    m.zero_grad();
    m.forward(x).pow(2).sum().backward();
    stats.after_backward();
  }
  const LayerStats s = stats.stats();
  EXPECT_DOUBLE_EQ(s.clipped_high.at("act"), 1.0);
  EXPECT_DOUBLE_EQ(s.clipped_low.at("act"), 0.0);
  EXPECT_DOUBLE_EQ(s.grad_norm.at("fc"), 0.0);
  // The saturated activation outputs 1, so each row's logits are g * (1 - 2 + 0.5, 0 + 1 + 1)
  // = g * (-0.5, 2) with g the output layer's gain; d loss / d w_out[i][j] = 2 * logit_i * g,
  // summed over the 2 rows: g^2 * (-2, -2, -2; 8, 8, 8), norm g^2 * sqrt(3 * 4 + 3 * 64).
  const double gain = m.out->weight_gain();
  EXPECT_NEAR(s.grad_norm.at("out"), std::sqrt(204.0) * gain * gain, 1e-4);
  const auto lines = layer_warnings(s);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].layer, "act");
  EXPECT_EQ(lines[1].layer, "fc");
  EXPECT_EQ(lines[0].message,
            "activation act is saturated: 100.0% of its inputs clip above 1 and 0.0% below 0, "
            "only 0.0% pass a gradient");
  EXPECT_NE(lines[1].message.find("layer fc received no gradient (mean norm 0"), std::string::npos) << lines[1].message;
  stats.reset();
  EXPECT_EQ(m.act->clip_counts.total, 0);
}

TEST(LayerStats, HealthyLayersGiveNoWarning) {
  LayerStats s;
  s.clipped_low["a"] = 0.5;
  s.clipped_high["a"] = 0.02;
  s.grad_norm["fc"] = 0.3;
  s.grad_norm["out"] = 1.2;
  EXPECT_TRUE(layer_warnings(s).empty());
  s.clipped_high["a"] = 0.11;  // just past the 10% threshold
  EXPECT_EQ(layer_warnings(s).size(), 1u);
}

}  // namespace
}  // namespace train
}  // namespace wrpn
