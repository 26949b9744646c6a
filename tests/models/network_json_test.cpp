// Networks users define themselves: from JSON (`--network`) and from C++ blocks. Each builds,
// describes itself (summary rows and shapes without a forward pass), and a wrong description
// is refused at build time naming the block and what is wrong.
#include <gtest/gtest.h>

#include "../test_util.h"
#include "wrpn/models/blocks/chain.h"
#include "wrpn/models/blocks/conv_bn.h"
#include "wrpn/models/network_json.h"
#include "wrpn/models/registry.h"
#include "wrpn/models/summary.h"

namespace wrpn {
namespace {

models::ModelSpec spec_of(const nlohmann::json& network) {
  models::ModelSpec spec;
  spec.network = network;
  spec.name = models::network_name(network);
  spec.weight_bits = spec.activation_bits = 4;
  return spec;  // 1x28x28, 10 classes
}

std::string build_error(const nlohmann::json& network) {
  return testing_util::error_of([&] { models::build_model(spec_of(network)); });
}

TEST(JsonNetwork, BuildsTrainsAForwardAndSummarisesByHand) {
  const auto net = nlohmann::json::parse(R"({"name": "tiny", "blocks": [
      {"type": "conv", "channels": 8, "kernel": 3},
      {"type": "max_pool", "kernel": 2},
      {"type": "residual", "channels": 16, "stride": 2},
      {"type": "flatten"},
      {"type": "linear", "features": 20}]})");
  const models::ModelSpec spec = spec_of(net);
  auto model = models::build_model(spec);
  EXPECT_EQ(model->forward(torch::randn({3, 1, 28, 28})).sizes(), (std::vector<int64_t>{3, 10}));
  const models::ModelSummary s = models::summarize(*model, spec);
  // conv1 8x1x3x3 (32 bits: it reads the image) on 28x28; residual2 16x8x3x3 stride 2 on
  // 14x14 -> 7x7 and 16x16x3x3; linear4 784 -> 20; classifier 20 -> 10 (+10 bias).
  ASSERT_EQ(s.layers.size(), 9u);  // 4 conv/linear + classifier, 4 batch norms
  EXPECT_EQ(s.layers[0].name, "conv1.conv");
  EXPECT_EQ(s.layers[0].weight_bits, 32);
  EXPECT_EQ(s.layers[0].macs, 8 * 9 * 28 * 28);
  EXPECT_EQ(s.layers[2].name, "residual3.conv1.conv");
  EXPECT_EQ(s.layers[2].macs, 16 * 8 * 9 * 7 * 7);
  EXPECT_EQ(s.layers[2].output_shape, (std::vector<int64_t>{16, 7, 7}));
  EXPECT_EQ(s.layers[6].name, "linear5.fc");
  EXPECT_EQ(s.layers[6].weight_shape, (std::vector<int64_t>{20, 16 * 7 * 7}));
  EXPECT_EQ(s.layers[8].name, "classifier");
  EXPECT_EQ(s.layers[8].macs, 20 * 10);
  EXPECT_EQ(s.macs, 8 * 9 * 784 + 16 * 8 * 9 * 49 + 16 * 16 * 9 * 49 + 784 * 20 + 200);
}

TEST(JsonNetwork, WidthWidensEveryHiddenBlock) {
  const auto net = nlohmann::json::parse(R"({"blocks": [{"type": "conv", "channels": 8}]})");
  models::ModelSpec spec = spec_of(net);
  spec.width = 3;
  const auto s = models::summarize(*models::build_model(spec), spec);
  EXPECT_EQ(s.layers[0].weight_shape[0], 24);
  EXPECT_EQ(s.layers.back().weight_shape, (std::vector<int64_t>{10, 24}));  // a global pool is added
  EXPECT_EQ(spec.name, "network");
}

TEST(JsonNetwork, WrongDescriptionsNameTheBlockAndTheProblem) {
  const auto err = [](const char* text) { return build_error(nlohmann::json::parse(text)); };
  EXPECT_NE(err(R"({"blocks": [{"type": "conv", "chanels": 8}]})").find("block 1 (conv): unknown key \"chanels\""),
            std::string::npos);
  EXPECT_NE(err(R"({"blocks": [{"type": "conv"}]})").find("block 1 (conv): needs \"channels\""), std::string::npos);
  EXPECT_NE(err(R"({"blocks": [{"type": "dense", "features": 8}]})").find("block 1: unknown type 'dense'"),
            std::string::npos);
  EXPECT_NE(err(R"({"blocks": [{"type": "conv", "channels": 8}, {"type": "linear", "features": 4}]})")
                .find("block 2 (linear): needs a vector"),
            std::string::npos);
  EXPECT_NE(err(R"({"blocks": [{"type": "conv", "channels": 8, "kernel": 31, "padding": 0}]})")
                .find("block 1 (conv): a 31x31 window does not fit the 28x28 map"),
            std::string::npos);
  EXPECT_NE(err(R"({"blocks": [{"type": "conv", "channels": "8"}]})").find("\"channels\" must be an integer"),
            std::string::npos);
  EXPECT_NE(err(R"({"blocks": [{"type": "conv", "channels": 8, "weight_bits": 9}]})")
                .find("\"weight_bits\" must be 1..8 or 32, got 9"),
            std::string::npos);
  EXPECT_NE(err(R"({"blocks": []})").find("non-empty \"blocks\""), std::string::npos);
}

// Found by scripts/fuzz.sh network_json: every value is held to its range by the LibTorch-free
// check, as JSON holds it (2^64 - 1 is not -1, 4294967297 weight bits are not 1).
TEST(JsonNetwork, ValuesOutsideTheirRangesAreNamedAsWritten) {
  const auto err = [](const char* text) {
    return testing_util::error_of([&] { models::check_description(nlohmann::json::parse(text)); });
  };
  EXPECT_EQ(err(R"({"blocks": [{"type": "conv", "channels": 8, "weight_bits": 4294967297}]})"),
            "block 1 (conv): \"weight_bits\" must be 1..8 or 32, got 4294967297");
  EXPECT_EQ(err(R"({"blocks": [{"type": "conv", "channels": 18446744073709551615}]})"),
            "block 1 (conv): \"channels\" must be <= 1048576, got 18446744073709551615");
  EXPECT_EQ(err(R"({"blocks": [{"type": "conv", "channels": 8, "padding": 4611686018427387904}]})"),
            "block 1 (conv): \"padding\" must be <= 4096, got 4611686018427387904");
  EXPECT_EQ(err(R"({"blocks": [{"type": "max_pool", "kernel": 2, "stride": 0}]})"),
            "block 1 (max_pool): \"stride\" must be >= 1, got 0");
  EXPECT_EQ(err(R"({"blocks": [{"type": "conv", "channels": 8, "padding": -1}]})"),
            "block 1 (conv): \"padding\" must be >= 0, got -1");
  EXPECT_EQ(err(R"({"blocks": [{"type": "conv", "channels": 8, "kernel": 4096, "padding": 0}]})"), "(no error)");
  // A --network path that is not a regular file is named, not read as "not JSON" or waited on.
  testing_util::TempDir dir("network-json-path");
  EXPECT_EQ(testing_util::error_of([&] { models::read_network_file(dir.str()); }),
            "network description " + dir.str() + ": is not a regular file");
  EXPECT_EQ(testing_util::error_of([&] { models::read_network_file(dir.file("none.json")); }),
            "network description " + dir.file("none.json") + ": does not exist");
  // A number JSON cannot hold was nlohmann's out_of_range, not the file's error.
  testing_util::write_bytes(dir.file("big.json"), {'[', '9', 'e', '9', '9', '9', ']'});
  EXPECT_EQ(testing_util::error_of([&] { models::read_network_file(dir.file("big.json")); }),
            "network description " + dir.file("big.json") +
                ": not JSON ([json.exception.out_of_range.406] number overflow parsing '9e999')");
}

// A C++ network whose forward applies its registered layers in order describes itself by
// default; one made of something that is not a wrpn block is refused when built, naming it.
struct WithTorchConv : models::Network {
  WithTorchConv() {
    register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3)));
    fc = register_module("fc", nn::QLinear(nn::QLinearOptions(4, 10)));
  }
  torch::Tensor forward(torch::Tensor x) override { return x; }
  nn::QLinear fc{nullptr};
};

TEST(OwnNetwork, ALayerThatIsNotABlockIsNamedAtBuildTime) {
  WithTorchConv net;
  models::ModelSpec spec;
  const std::string e = testing_util::error_of([&] { models::prepare_network(net, spec); });
  EXPECT_NE(e.find("layer 'conv' is a torch::nn::Conv2dImpl, which is not a wrpn block"), std::string::npos) << e;
}

TEST(OwnNetwork, ShapesThatDoNotFitAreNamedAtBuildTime) {
  struct TwoConvs : models::Chain {
    explicit TwoConvs(const models::ModelSpec& s) {
      add("a", models::conv_bn_act(s, s.conv(1, 8, 3, 32, 1, 1)));
      add("b", models::conv_bn_act(s, s.conv(6, 8, 3, 4, 1, 1)));  // expects 6 channels, gets 8
    }
  };
  models::ModelSpec spec;
  TwoConvs net(spec);
  const std::string e = testing_util::error_of([&] { models::prepare_network(net, spec); });
  EXPECT_NE(e.find("layer 'b': conv expects 6 input channels, got a (8, 28, 28) map"), std::string::npos) << e;
}

}  // namespace
}  // namespace wrpn
