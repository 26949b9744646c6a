// Quantized layers: shapes at every width, first/last layers full precision, the unit
// parametrisation that prevents the all-zero collapse, and its exact equivalence in FP32.
#include <gtest/gtest.h>

#include "wrpn/models/registry.h"
#include "wrpn/models/summary.h"
#include "wrpn/nn/qconv2d.h"
#include "wrpn/nn/qlinear.h"
#include "wrpn/nn/qrelu.h"
#include "wrpn/train/optimizer.h"

namespace wrpn {
namespace {

TEST(QConv2d, ShapesStrideAndPadding) {
  nn::QConv2d conv(nn::QConv2dOptions(3, 8, 3).stride(2).padding(1).weight_bits(4));
  const auto y = conv(torch::randn({2, 3, 9, 9}));
  EXPECT_EQ(y.sizes().vec(), (std::vector<int64_t>{2, 8, 5, 5}));
  EXPECT_EQ(conv->weight.sizes().vec(), (std::vector<int64_t>{8, 3, 3, 3}));
  EXPECT_EQ(conv->macs_per_sample(), 8 * 5 * 5 * 3 * 3 * 3);
  EXPECT_FALSE(conv->bias.defined());
}

TEST(QConv2d, RejectsBadOptions) {
  EXPECT_THROW(nn::QConv2d(nn::QConv2dOptions(3, 8, 3).groups(2)), c10::Error);
  EXPECT_THROW(nn::QConv2d(nn::QConv2dOptions(4, 8, 3).weight_bits(9)), std::invalid_argument);
  nn::QConv2d conv(nn::QConv2dOptions(4, 8, 3));
  EXPECT_THROW(conv(torch::randn({1, 3, 8, 8})), c10::Error);
}

TEST(QLinear, EffectiveWeightIsGainTimesQuantizedUnitWeight) {
  torch::manual_seed(0);
  nn::QLinear fc(nn::QLinearOptions(50, 4).weight_bits(3));
  const double gain = std::sqrt(6.0 / 50.0);
  EXPECT_DOUBLE_EQ(fc->weight_gain(), gain);
  EXPECT_LE(fc->weight.abs().max().item<float>(), 1.0f);
  // 3-bit levels k/3 times the gain.
  const auto levels = fc->effective_weight() / gain * 3.0;
  EXPECT_TRUE(torch::allclose(levels, levels.round(), 0, 1e-5));
}

TEST(QReLU, IsTheActivationQuantizer) {
  nn::QReLU act(2);
  const auto y = act(torch::tensor({-1.0f, 0.2f, 0.5f, 3.0f}));
  EXPECT_TRUE(torch::equal(y, torch::tensor({0.0f, 1.0f / 3, 2.0f / 3, 1.0f})));
  EXPECT_THROW(nn::QReLU(0), std::invalid_argument);
}

TEST(Widen, RoundsToWholeChannelsAtLeastOne) {
  EXPECT_EQ(nn::widen(16, 1.0), 16);
  EXPECT_EQ(nn::widen(16, 1.5), 24);
  EXPECT_EQ(nn::widen(6, 1.5), 9);
  EXPECT_EQ(nn::widen(6, 1.25), 8);  // 7.5 rounds away from zero
  EXPECT_EQ(nn::widen(16, 0.01), 1);
  EXPECT_THROW(nn::widen(16, 0.0), std::invalid_argument);
  EXPECT_THROW(nn::widen(16, -2.0), std::invalid_argument);
}

struct LayerRow {
  std::string name;
  std::vector<int64_t> weight_shape;
  int bits;
};

std::vector<LayerRow> quantized_layers(models::ModelSpec spec) {
  auto model = models::build_model(spec);
  const auto summary = models::summarize(*model, spec);
  std::vector<LayerRow> rows;
  for (const auto& l : summary.layers) {
    if (l.kind != "batchnorm") rows.push_back({l.name, l.weight_shape, l.weight_bits});
  }
  return rows;
}

TEST(Models, LeNet5ShapesAtWidths) {
  for (const double width : {1.0, 1.5, 2.0, 3.0}) {
    models::ModelSpec spec;
    spec.name = "lenet5";
    spec.width = width;
    spec.weight_bits = 4;
    spec.activation_bits = 4;
    const auto rows = quantized_layers(spec);
    const int64_t c1 = nn::widen(6, width), c2 = nn::widen(16, width), f1 = nn::widen(120, width),
                  f2 = nn::widen(84, width);
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_EQ(rows[0].weight_shape, (std::vector<int64_t>{c1, 1, 5, 5}));
    EXPECT_EQ(rows[1].weight_shape, (std::vector<int64_t>{c2, c1, 5, 5}));
    EXPECT_EQ(rows[2].weight_shape, (std::vector<int64_t>{f1, c2 * 16}));
    EXPECT_EQ(rows[3].weight_shape, (std::vector<int64_t>{f2, f1}));
    EXPECT_EQ(rows[4].weight_shape, (std::vector<int64_t>{10, f2}));
    // First and last layers full precision by default, the rest at 4 bits.
    EXPECT_EQ(rows[0].bits, 32);
    EXPECT_EQ(rows[1].bits, 4);
    EXPECT_EQ(rows[2].bits, 4);
    EXPECT_EQ(rows[3].bits, 4);
    EXPECT_EQ(rows[4].bits, 32);
  }
}

TEST(Models, VggSmallShapesAtWidths) {
  for (const double width : {1.0, 1.5, 2.0, 3.0}) {
    models::ModelSpec spec;
    spec.width = width;
    spec.weight_bits = 2;
    spec.activation_bits = 2;
    spec.first_weight_bits = 8;  // per-layer override of the first layer
    const auto rows = quantized_layers(spec);
    const int64_t c1 = nn::widen(16, width), c2 = nn::widen(32, width), c3 = nn::widen(64, width);
    ASSERT_EQ(rows.size(), 6u);
    EXPECT_EQ(rows[0].weight_shape, (std::vector<int64_t>{c1, 1, 3, 3}));
    EXPECT_EQ(rows[1].weight_shape, (std::vector<int64_t>{c1, c1, 3, 3}));
    EXPECT_EQ(rows[2].weight_shape, (std::vector<int64_t>{c2, c1, 3, 3}));
    EXPECT_EQ(rows[3].weight_shape, (std::vector<int64_t>{c2, c2, 3, 3}));
    EXPECT_EQ(rows[4].weight_shape, (std::vector<int64_t>{c3, c2, 3, 3}));
    EXPECT_EQ(rows[5].weight_shape, (std::vector<int64_t>{10, c3}));
    EXPECT_EQ(rows[0].bits, 8);
    for (int i = 1; i <= 4; ++i) EXPECT_EQ(rows[size_t(i)].bits, 2);
    EXPECT_EQ(rows[5].bits, 32);
  }
}

TEST(Models, UnknownNameAndBadSpecRejected) {
  models::ModelSpec spec;
  spec.name = "alexnet9";
  try {
    models::build_model(spec);
    FAIL();
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("unknown model 'alexnet9' (known: lenet5, vgg_small, ", 0), 0u) << message;
    for (const char* name : {"alexnet_bn", "resnet34", "inception_bn", "resnet20"}) {
      EXPECT_NE(message.find(name), std::string::npos) << message;
    }
  }
  spec.name = "vgg_small";
  spec.width = 0;
  EXPECT_THROW(models::build_model(spec), std::invalid_argument);
}

TEST(Models, SummaryCountsVggSmallByHand) {
  models::ModelSpec spec;  // vgg_small, width 1, FP32, 1x28x28, 10 classes
  auto model = models::build_model(spec);
  const auto s = models::summarize(*model, spec);
  // convs: 1*16*9 + 16*16*9 + 16*32*9 + 32*32*9 + 32*64*9 = 144+2304+4608+9216+18432 = 34704
  // fc: 64*10 + 10 = 650; batch norm: 2*(16+16+32+32+64) = 320
  EXPECT_EQ(s.params, 34704 + 650 + 320);
  // MACs: 28*28*(144+2304) + 14*14*(4608+9216) + 7*7*18432 + 640
  EXPECT_EQ(s.macs, 784 * 2448 + 196 * 13824 + 49 * 18432 + 640);
}

struct OneLayer : models::Network {
  OneLayer() : fc(register_module("fc", nn::QLinear(nn::QLinearOptions(40, 3).bias(false)))) {}
  torch::Tensor forward(torch::Tensor x) override { return fc(x); }
  nn::QLinear fc;
};

// The unit parametrisation with make_optimizer's per-group scaling follows the same
// trajectory as plain LibTorch training of the same effective weights (full precision).
TEST(UnitParametrisation, FullPrecisionTrainingEqualsStandardParametrisation) {
  for (const std::string optimizer : {"sgd", "adam", "adamw"}) {
    torch::manual_seed(5);
    OneLayer unit;
    torch::nn::Linear plain(torch::nn::LinearOptions(40, 3).bias(false));
    {
      torch::NoGradGuard g;
      plain->weight.copy_(unit.fc->weight * unit.fc->weight_gain());
    }
    train::TrainConfig c;
    c.optimizer = optimizer;
    c.lr = optimizer == "sgd" ? 0.05 : 0.01;
    c.weight_decay = 1e-2;
    auto bundle = train::make_optimizer(unit, c);
    ASSERT_EQ(bundle.optimizer->param_groups().size(), 1u);
    std::unique_ptr<torch::optim::Optimizer> reference;
    if (optimizer == "sgd") {
      reference = std::make_unique<torch::optim::SGD>(
          std::vector<torch::Tensor>{plain->weight},
          torch::optim::SGDOptions(c.lr).momentum(0.9).nesterov(true).weight_decay(1e-2));
    } else if (optimizer == "adam") {
      reference = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{plain->weight},
                                                       torch::optim::AdamOptions(c.lr).weight_decay(1e-2));
    } else {
      reference = std::make_unique<torch::optim::AdamW>(std::vector<torch::Tensor>{plain->weight},
                                                        torch::optim::AdamWOptions(c.lr).weight_decay(1e-2));
    }
    const auto x = torch::randn({16, 40});
    const auto labels = torch::randint(3, {16}, torch::kInt64);
    const auto start = plain->weight.clone();
    for (int step = 0; step < 20; ++step) {
      bundle.optimizer->zero_grad();
      reference->zero_grad();
      torch::nn::functional::cross_entropy(unit.forward(x), labels).backward();
      torch::nn::functional::cross_entropy(plain(x), labels).backward();
      bundle.optimizer->step();
      reference->step();
    }
    EXPECT_TRUE(torch::allclose(unit.fc->effective_weight(), plain->weight, 1e-4, 1e-6)) << optimizer;
    EXPECT_GT((plain->weight - start).abs().max().item<float>(), 1e-3) << optimizer;
  }
}

}  // namespace
}  // namespace wrpn
