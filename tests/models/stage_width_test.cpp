// Width per stage (models/stage_width.h): the rule syntax, which stages each model widens, the
// channels a built network has afterwards, and the errors for rules that cannot apply.
#include <gtest/gtest.h>

#include "../test_util.h"
#include "layer_at.h"
#include "wrpn/models/registry.h"
#include "wrpn/models/stage_width.h"
#include "wrpn/nn/qconv2d.h"
#include "wrpn/nn/qlinear.h"

namespace wrpn {
namespace models {
namespace {

using testing_util::layer_at;

ModelSpec spec_of(const std::string& model, double width, std::vector<std::string> rules) {
  ModelSpec s;
  s.name = model;
  s.width = width;
  s.weight_bits = s.activation_bits = 4;
  use_native_input(s);
  for (const auto& r : rules) s.stage_width.push_back(parse_stage_width(r));
  return s;
}

TEST(StageWidth, ParsesRulesAndNamesWhatIsWrong) {
  EXPECT_EQ(parse_stage_width("stage3=3"), (StageWidthRule{"stage3", 3.0}));
  EXPECT_EQ(parse_stage_width("layer*=1.5"), (StageWidthRule{"layer*", 1.5}));
  EXPECT_EQ(parse_stage_width("layer*=1.5").text(), "layer*=1.5");
  EXPECT_EQ(testing_util::error_of([] { parse_stage_width("stage3"); }),
            "stage width 'stage3' must read PATTERN=WIDTH, e.g. 'stage3=3' or 'layer*=2'");
  EXPECT_EQ(testing_util::error_of([] { parse_stage_width("=2"); }),
            "stage width '=2' must read PATTERN=WIDTH, e.g. 'stage3=3' or 'layer*=2'");
  for (const char* bad : {"0", "-1", "x", "2x", "inf", "nan", "65"}) {
    EXPECT_EQ(testing_util::error_of([&] { parse_stage_width(std::string("stage1=") + bad); }),
              std::string("stage width 'stage1=") + bad + "': the width must be a number in (0, 64], got '" + bad + "'");
  }
}

TEST(StageWidth, EachModelNamesTheStagesItWidens) {
  EXPECT_EQ(width_stages(spec_of("vgg_small", 1, {})), (std::vector<std::string>{"stage1", "stage2", "stage3"}));
  EXPECT_EQ(width_stages(spec_of("resnet20", 1, {})), (std::vector<std::string>{"stem", "layer1", "layer2", "layer3"}));
  EXPECT_EQ(width_stages(spec_of("lenet5", 1, {})), (std::vector<std::string>{"conv1", "conv2", "fc1", "fc2"}));
  EXPECT_EQ(width_stages(spec_of("mlp", 1, {})), (std::vector<std::string>{"fc1", "fc2"}));
}

TEST(StageWidth, TheMatchedStagesGetTheirWidthAndTheLayersAfterThemFollow) {
  // vgg_small at 2x with its last stage at 3x: 32, 64, then 192 channels, and a 192-input classifier.
  auto net = build_model(spec_of("vgg_small", 2, {"stage3=3"}));
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*net, "stage1.0").options.out_channels(), 32);
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*net, "stage2.0").options.out_channels(), 64);
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*net, "stage3.0").options.in_channels(), 64);
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*net, "stage3.0").options.out_channels(), 192);
  EXPECT_EQ(layer_at<nn::QLinearImpl>(*net, "classifier").options.in_features(), 192);
  // First match wins; the model's width where nothing matches.
  auto lenet = build_model(spec_of("lenet5", 1, {"fc1=0.5", "fc*=2", "conv*=3"}));
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*lenet, "conv1").options.out_channels(), 18);
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*lenet, "conv2").options.out_channels(), 48);
  EXPECT_EQ(layer_at<nn::QLinearImpl>(*lenet, "fc1").options.out_features(), 60);
  EXPECT_EQ(layer_at<nn::QLinearImpl>(*lenet, "fc2").options.out_features(), 168);
  EXPECT_EQ(layer_at<nn::QLinearImpl>(*lenet, "fc3").options.out_features(), 10);  // the classes are never widened
  // A stage at the model's own width builds the same network.
  EXPECT_EQ(build_model(spec_of("vgg_small", 2, {"stage2=2"}))->parameters().size(),
            build_model(spec_of("vgg_small", 2, {}))->parameters().size());
}

TEST(StageWidth, RulesThatCannotApplyAreErrorsNamingTheStages) {
  EXPECT_EQ(testing_util::error_of([] { build_model(spec_of("vgg_small", 1, {"stage3.*=3"})); }),
            "stage width 'stage3.*=3' matches no stage of vgg_small (its stages: stage1, stage2, stage3)");
  EXPECT_EQ(testing_util::error_of([] { build_model(spec_of("vgg_small", 1, {"classifier=2"})); }),
            "stage width 'classifier=2' matches no stage of vgg_small (its stages: stage1, stage2, stage3)");
  // An option-A shortcut pads channels; a stage narrower than the one before cannot use it.
  EXPECT_EQ(testing_util::error_of([] { build_model(spec_of("resnet20", 1, {"layer3=0.25"})); }),
            "resnet20: layer3 has 16 channels, fewer than the 32 before it; an option-A shortcut cannot drop "
            "channels (widen it at least as much)");
}

TEST(StageWidth, NetworksOfYourOwnWidenTheirBlocksByName) {
  ModelSpec s = spec_of("mine", 1, {"conv1=2"});
  s.network = nlohmann::json::parse(R"({"name": "mine", "blocks": [
      {"type": "conv", "channels": 8, "kernel": 3}, {"type": "max_pool", "kernel": 2},
      {"type": "conv", "channels": 8, "kernel": 3}]})");
  auto net = build_model(s);
  EXPECT_EQ(width_stages(s), (std::vector<std::string>{"conv1", "conv3"}));
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*net, "conv1.conv").options.out_channels(), 16);
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*net, "conv3.conv").options.in_channels(), 16);
  EXPECT_EQ(layer_at<nn::QConv2dImpl>(*net, "conv3.conv").options.out_channels(), 8);
}

}  // namespace
}  // namespace models
}  // namespace wrpn
