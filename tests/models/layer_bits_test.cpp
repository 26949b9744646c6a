// Bits per layer (models/layer_bits.h): the rule syntax, the glob, and what a built network
// holds afterwards: weight bits, activation bits, the input bits of the layers after them, and
// the learned parameters PACT and LSQ register for bits that changed.
#include <gtest/gtest.h>

#include "../test_util.h"
#include "layer_at.h"
#include "wrpn/models/layer_bits.h"
#include "wrpn/models/registry.h"
#include "wrpn/models/summary.h"
#include "wrpn/nn/qconv2d.h"
#include "wrpn/nn/qlinear.h"
#include "wrpn/nn/qrelu.h"

namespace wrpn {
namespace models {
namespace {

using testing_util::layer_at;

ModelSpec lenet(int wbits, int abits, std::vector<std::string> rules, quant::Scheme scheme = quant::Scheme::Wrpn) {
  ModelSpec s;
  s.name = "lenet5";
  s.weight_bits = wbits;
  s.activation_bits = abits;
  s.quantizer = scheme;
  for (const auto& r : rules) s.layer_bits.push_back(parse_layer_bits(r));
  return s;
}

TEST(LayerBits, ParsesRulesAndNamesWhatIsWrong) {
  EXPECT_EQ(parse_layer_bits("stage1.*=8/8"), (LayerBitsRule{"stage1.*", 8, 8}));
  EXPECT_EQ(parse_layer_bits("fc*=4/-"), (LayerBitsRule{"fc*", 4, 0}));
  EXPECT_EQ(parse_layer_bits("conv2=-/32"), (LayerBitsRule{"conv2", 0, 32}));
  EXPECT_EQ(parse_layer_bits("fc*=4/-").text(), "fc*=4/-");
  EXPECT_EQ(testing_util::error_of([] { parse_layer_bits("conv2"); }),
            "layer bits 'conv2' must read PATTERN=W/A, e.g. 'stage1.*=8/8' or 'fc*=4/-' (- keeps the model's bits)");
  EXPECT_EQ(testing_util::error_of([] { parse_layer_bits("=4/4"); }).substr(0, 22), "layer bits '=4/4' must");
  EXPECT_EQ(testing_util::error_of([] { parse_layer_bits("conv2=9/4"); }),
            "layer bits 'conv2=9/4': weight bits must be 1..8, 32 or - (the model's), got '9'");
  EXPECT_EQ(testing_util::error_of([] { parse_layer_bits("conv2=4/x"); }),
            "layer bits 'conv2=4/x': activation bits must be 1..8, 32 or - (the model's), got 'x'");
}

TEST(LayerBits, GlobMatchesWholePaths) {
  EXPECT_TRUE(path_matches("stage1.*", "stage1.0"));
  EXPECT_TRUE(path_matches("*", "layer1.0.conv1"));
  EXPECT_TRUE(path_matches("layer?.0.*", "layer2.0.conv1"));
  EXPECT_TRUE(path_matches("*conv*", "layer2.0.conv1"));
  EXPECT_TRUE(path_matches("fc1", "fc1"));
  EXPECT_FALSE(path_matches("fc1", "fc10"));
  EXPECT_FALSE(path_matches("stage1.*", "stage10"));
  EXPECT_FALSE(path_matches("stage1.*", "stage2.0"));
  EXPECT_FALSE(path_matches("?", ""));
  EXPECT_TRUE(path_matches("a*b*c", "axxbyyc"));
  EXPECT_FALSE(path_matches("a*b*c", "axxbyy"));
}

// lenet5: conv1 act1 pool1 conv2 act2 pool2 (flatten) fc1 act3 fc2 act4 fc3.
TEST(LayerBits, SetWeightAndActivationBitsAndTheInputBitsAfterThem) {
  auto net = build_model(lenet(2, 4, {"conv2=8/8", "act4=-/2"}));
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*net, "conv1").options.weight_bits(), 32);  // no rule: as built
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*net, "conv2").options.weight_bits(), 8);
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*net, "conv2").options.input_bits(), 4);  // act1's
  EXPECT_EQ(layer_at<nn::QReLUImpl>(*net, "act2").options.bits(), 8);           // conv2's own activation
  EXPECT_EQ(layer_at<nn::QLinearImpl>(*net, "fc1").options.weight_bits(), 2);
  EXPECT_EQ(layer_at<nn::QLinearImpl>(*net, "fc1").options.input_bits(), 8);  // act2 -> pool2 -> flatten
  EXPECT_EQ(layer_at<nn::QReLUImpl>(*net, "act3").options.bits(), 4);
  EXPECT_EQ(layer_at<nn::QReLUImpl>(*net, "act4").options.bits(), 2);
  EXPECT_EQ(layer_at<nn::QLinearImpl>(*net, "fc3").options.input_bits(), 2);

  // The summary (wrpn info, wrpn cost) counts what the layers now are.
  const ModelSpec spec = lenet(2, 4, {"conv2=8/8", "act4=-/2"});
  const ModelSummary s = summarize(*net, spec);
  std::map<std::string, std::pair<int, int>> bits;
  for (const LayerSummary& l : s.layers) bits[l.name] = {l.weight_bits, l.input_bits};
  EXPECT_EQ(bits.at("conv2"), std::make_pair(8, 4));
  EXPECT_EQ(bits.at("fc1"), std::make_pair(2, 8));
  EXPECT_EQ(bits.at("fc3"), std::make_pair(32, 2));
  EXPECT_EQ(spec.label(), "lenet5 w1 2/4 +2 layer rules");
}

TEST(LayerBits, FirstMatchWinsAndARuleThatMatchesNothingIsAnError) {
  auto net = build_model(lenet(4, 4, {"fc1=8/-", "fc*=2/-"}));
  EXPECT_EQ(layer_at<nn::QLinearImpl>(*net, "fc1").options.weight_bits(), 8);
  EXPECT_EQ(layer_at<nn::QLinearImpl>(*net, "fc2").options.weight_bits(), 2);
  EXPECT_EQ(layer_at<nn::QLinearImpl>(*net, "fc3").options.weight_bits(), 2);  // the classifier too, when asked
  EXPECT_EQ(testing_util::error_of([] { build_model(lenet(4, 4, {"stage1.*=8/8"})); }),
            "layer bits 'stage1.*=8/8' match no layer (the layers: conv1, act1, conv2, act2, fc1, act3, fc2, act4, "
            "fc3)");
}

TEST(LayerBits, LearnedRangesAppearWhereBitsDropBelow32AndStopAbove) {
  // PACT with a float model-wide activation: the rule's 4-bit act2 gets its alpha.
  auto pact = build_model(lenet(32, 32, {"conv2=4/4"}, quant::Scheme::Pact));
  EXPECT_TRUE(layer_at<nn::QReLUImpl>(*pact, "act2").alpha.defined());
  EXPECT_FALSE(layer_at<nn::QReLUImpl>(*pact, "act1").alpha.defined());
  EXPECT_EQ(layer_at<nn::QReLUImpl>(*pact, "act2").alpha.item<double>(), 10.0);
  // LSQ: fc1 at 32 bits keeps no trainable step; act3 at 32 bits is a ReLU.
  auto lsq = build_model(lenet(4, 4, {"fc1=32/32"}, quant::Scheme::Lsq));
  EXPECT_FALSE(layer_at<nn::QLinearImpl>(*lsq, "fc1").weight_step.defined());
  EXPECT_TRUE(layer_at<nn::QLinearImpl>(*lsq, "fc2").weight_step.defined());
  EXPECT_FALSE(layer_at<nn::QReLUImpl>(*lsq, "act3").step.defined());
  for (const auto& p : lsq->named_parameters()) {
    if (p.key() == "fc1.weight_step" || p.key() == "act3.step") EXPECT_FALSE(p.value().requires_grad()) << p.key();
  }
  // A rule's 1-bit LSQ weights are refused as the model-wide ones are.
  EXPECT_NE(testing_util::error_of([] { build_model(lenet(4, 4, {"fc2=1/-"}, quant::Scheme::Lsq)); })
                .find("LSQ has no 1-bit weights"),
            std::string::npos);
}

}  // namespace
}  // namespace models
}  // namespace wrpn
