// The training config's one field table (train/config_schema.h): config.json keeps the keys
// run folders and configs/ use, every field round-trips, bad values and keys get the messages
// users and the CLI tests rely on, and the .wrpn info reads files written with the old keys.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <map>
#include <set>

#include "../test_util.h"
#include "wrpn/train/config_schema.h"

namespace wrpn {
namespace train {
namespace {

using testing_util::error_of;

std::set<std::string> keys_of(const nlohmann::json& j) {
  std::set<std::string> keys;
  for (const auto& item : j.items()) keys.insert(item.key());
  return keys;
}

// The keys config.json had before the table, and the three added since (checkpoints, quantizer): a run
// folder written then must still load.
TEST(TrainConfig, JsonHasTheKeysRunFoldersAndRecipesUse) {
  const std::set<std::string> saved = {"model",
                                       "width",
                                       "wbits",
                                       "abits",
                                       "first_wbits",
                                       "last_wbits",
                                       "weight_param",
                                       "per_channel_alpha",
                                       "act_clip_sigmas",
                                       "classes",
                                       "in_channels",
                                       "input_size",
                                       "dataset",
                                       "data",
                                       "workers",
                                       "image_size",
                                       "skip_corrupt",
                                       "epochs",
                                       "batch_size",
                                       "optimizer",
                                       "lr",
                                       "momentum",
                                       "nesterov",
                                       "weight_decay",
                                       "schedule",
                                       "warmup_epochs",
                                       "step_epochs",
                                       "gamma",
                                       "seed",
                                       "threads",
                                       "out",
                                       "limit_train",
                                       "limit_test",
                                       "validation_fraction",
                                       "crop_padding",
                                       "flip",
                                       "packed_saving",
                                       "int8_forward",
                                       "backward_precision",
                                       "recompute_conv_outputs",
                                       "batch_norm",
                                       "checkpoint_every",
                                       "keep_checkpoints",
                                       "quantizer"};
  const nlohmann::json j = to_json(TrainConfig{});
  EXPECT_EQ(keys_of(j), saved);
  EXPECT_EQ(j["wbits"], 32);
  EXPECT_EQ(j["weight_param"], "unit");
  EXPECT_EQ(j["data"], "/usr/share/datasets/fashion-mnist");
  EXPECT_TRUE(j["seed"].is_number_unsigned());
  EXPECT_TRUE(j["image_size"].is_number_integer());
  EXPECT_TRUE(j["warmup_epochs"].is_number_float());
}

// Every key set to a value other than its default comes back through JSON into its own member.
TEST(TrainConfig, EveryFieldRoundTripsThroughJson) {
  const nlohmann::json changed = nlohmann::json::parse(R"({
      "model": "tiny", "width": 2.5, "wbits": 4, "abits": 2, "first_wbits": 8, "last_wbits": 8,
      "weight_param": "torch", "per_channel_alpha": true, "act_clip_sigmas": 3.5, "classes": 100,
      "in_channels": 3, "input_size": 32, "dataset": "cifar100", "data": "/d", "workers": 3,
      "image_size": 160, "skip_corrupt": true, "epochs": 7, "batch_size": 32, "optimizer": "adamw",
      "lr": 0.02, "momentum": 0.5, "nesterov": false, "weight_decay": 0.001, "schedule": "step",
      "warmup_epochs": 1.5, "step_epochs": 2, "gamma": 0.5, "seed": 18446744073709551615,
      "threads": 2, "out": "runs/x", "limit_train": 100, "limit_test": 50, "validation_fraction": 0.1, "crop_padding": 4,
      "flip": true, "packed_saving": false, "int8_forward": false, "backward_precision": "bf16",
      "recompute_conv_outputs": true, "batch_norm": "libtorch", "checkpoint_every": 25, "keep_checkpoints": 3,
      "quantizer": "lsq", "layer_bits": ["conv*=8/-", "fc?=-/32"],
      "stage_width": ["conv1=2", "fc*=0.5"],
      "network": {"name": "tiny", "blocks": [{"type": "conv", "channels": 8, "kernel": 3}]}})");
  const nlohmann::json defaults = to_json(TrainConfig{});
  for (const auto& [key, value] : changed.items()) EXPECT_NE(defaults.value(key, nlohmann::json()), value) << key;
  TrainConfig c;
  apply_json(c, changed, "test");
  EXPECT_EQ(to_json(c), changed);
  EXPECT_EQ(c.model.weight_param, nn::WeightParam::Torch);
  EXPECT_EQ(c.data_dir, "/d");
  EXPECT_EQ(c.seed, 18446744073709551615ull);
  EXPECT_EQ(c.model.quantizer, quant::Scheme::Lsq);
  EXPECT_EQ(c.model.layer_bits.size(), 2u);
  EXPECT_EQ(c.model.layer_bits[1], (models::LayerBitsRule{"fc?", 0, 32}));
  EXPECT_EQ(c.model.stage_width[1], (models::StageWidthRule{"fc*", 0.5}));
  EXPECT_NO_THROW(c.validate());
}

TEST(TrainConfig, BadJsonNamesTheSourceAndTheKey) {
  TrainConfig c;
  EXPECT_EQ(error_of([&] { apply_json(c, {{"lrr", 0.1}}, "f.json"); }), "f.json: unknown config key 'lrr'");
  EXPECT_EQ(error_of([&] {
              apply_json(c, {{"epochs", "ten"}}, "f.json");
            }),
            "f.json: config key 'epochs' has a value of the wrong type: \"ten\"");
  EXPECT_EQ(error_of([&] {
              apply_json(c, {{"flip", 1}}, "f.json");
            }),
            "f.json: config key 'flip' has a value of the wrong type: 1");
  EXPECT_EQ(error_of([&] {
              apply_json(c, {{"weight_param", "kaiming"}}, "f.json");
            }),
            "weight parametrisation must be 'unit' or 'torch', got 'kaiming'");
  EXPECT_EQ(error_of([&] { apply_json(c, nlohmann::json::array(), "f.json"); }),
            "f.json: a config must be a JSON object");
  EXPECT_EQ(error_of([&] {
              apply_json(c, {{"network", {{"blocks", 3}}}}, "f.json");
            }).rfind("f.json: config key 'network': ", 0),
            0u);
}

// Found by scripts/fuzz.sh train_config: a number is taken only as what it says. nlohmann reads
// 4294967297 as the int 1, -1 as the seed 2^64 - 1, 1.5 and true as 1.
TEST(TrainConfig, NumbersOutsideTheirFieldsAreNamedNotNarrowed) {
  TrainConfig c;
  const auto err = [&](const nlohmann::json& j) { return error_of([&] { apply_json(c, j, "f.json"); }); };
  EXPECT_EQ(err({{"workers", 4294967297}}),
            "f.json: config key 'workers' must be an integer in -2147483648..2147483647, got 4294967297");
  EXPECT_EQ(err({{"seed", -1}}), "f.json: config key 'seed' must be an integer in 0..18446744073709551615, got -1");
  EXPECT_EQ(err({{"epochs", 1.5}}),
            "f.json: config key 'epochs' must be an integer in -9223372036854775808..9223372036854775807, got 1.5");
  EXPECT_EQ(err({{"wbits", true}}),
            "f.json: config key 'wbits' must be an integer in -2147483648..2147483647, got true");
  EXPECT_EQ(err({{"lr", true}}), "f.json: config key 'lr' must be a number, got true");
  EXPECT_EQ(c.workers, TrainConfig{}.workers);
  apply_json(c, {{"lr", 1}, {"seed", 18446744073709551615ull}, {"workers", 2}}, "f.json");
  EXPECT_EQ(c.lr, 1.0);
  EXPECT_EQ(c.workers, 2);
}

// A network names the model unless the config names it.
TEST(TrainConfig, NetworkNamesTheModelUnlessTheModelKeyIsGiven) {
  const nlohmann::json net = {{"name", "mine"}, {"blocks", {{{"type", "conv"}, {"channels", 8}}}}};
  TrainConfig c;
  apply_json(c, {{"network", net}}, "test");
  EXPECT_EQ(c.model.name, "mine");
  apply_json(c, {{"network", net}, {"model", "label"}}, "test");
  EXPECT_EQ(c.model.name, "label");
}

TEST(TrainConfig, ValidationNamesTheFieldAndTheValue) {
  const std::vector<std::pair<std::function<void(TrainConfig&)>, std::string>> cases = {
      {[](TrainConfig& c) { c.dataset = "svhn"; },
       "dataset must be fashion-mnist, mnist, cifar10, cifar100 or imagefolder, got 'svhn'"},
      {[](TrainConfig& c) { c.workers = 65; }, "workers must be in 0..64, got 65"},
      {[](TrainConfig& c) { c.image_size = 4; }, "image size must be >= 8, got 4"},
      {[](TrainConfig& c) { c.epochs = 0; }, "epochs must be >= 1, got 0"},
      {[](TrainConfig& c) { c.batch_size = 0; }, "batch size must be >= 1, got 0"},
      {[](TrainConfig& c) { c.optimizer = "rmsprop"; }, "optimizer must be sgd, adam or adamw, got 'rmsprop'"},
      {[](TrainConfig& c) { c.lr = -1; }, "lr must be a positive number, got -1"},
      {[](TrainConfig& c) { c.lr = std::numeric_limits<double>::infinity(); }, "lr must be a positive number, got inf"},
      {[](TrainConfig& c) { c.momentum = 1; }, "momentum must be in [0, 1), got 1"},
      {[](TrainConfig& c) { c.weight_decay = -0.5; }, "weight decay must be >= 0, got -0.5"},
      {[](TrainConfig& c) { c.weight_decay = std::numeric_limits<double>::infinity(); },
       "weight decay must be >= 0, got inf"},
      {[](TrainConfig& c) { c.schedule = "poly"; }, "schedule must be cosine, step or constant, got 'poly'"},
      {[](TrainConfig& c) { c.warmup_epochs = 10; }, "warmup epochs must be in [0, epochs=10), got 10"},
      {[](TrainConfig& c) { c.step_epochs = 0; }, "step epochs must be >= 1, got 0"},
      {[](TrainConfig& c) { c.gamma = 0; }, "gamma must be in (0, 1], got 0"},
      {[](TrainConfig& c) { c.threads = -1; }, "threads must be >= 0, got -1"},
      {[](TrainConfig& c) { c.out = ""; }, "output folder must not be empty"},
      {[](TrainConfig& c) { c.limit_train = -1; }, "limit-train must be >= 0, got -1"},
      {[](TrainConfig& c) { c.limit_test = -2; }, "limit-test must be >= 0, got -2"},
      {[](TrainConfig& c) { c.crop_padding = 17; }, "crop padding must be in 0..16, got 17"},
      {[](TrainConfig& c) { c.backward_precision = "fp16"; }, "backward precision must be fp32 or bf16, got 'fp16'"},
      {[](TrainConfig& c) { c.model.weight_bits = 9; }, "weight bits must be 1..8 or 32 (full precision), got 9"},
      {[](TrainConfig& c) { c.model.name = "resnet9000"; }, "unknown model 'resnet9000'"},
      {[](TrainConfig& c) {
         c.model.quantizer = quant::Scheme::Lsq;
         c.model.weight_bits = 1;
       },
       "--quantizer lsq has no 1-bit weights (weight bits 1): use 2..8 or 32"},
  };
  EXPECT_NO_THROW(TrainConfig{}.validate());
  for (const auto& [change, message] : cases) {
    TrainConfig c;
    change(c);
    EXPECT_EQ(error_of([&] { c.validate(); }), message);
  }
}

// Flags and help come from the same rows: one key and one flag each, choices in the help.
TEST(ConfigSchema, EveryFieldHasOneKeyAndOneFlagWithHelp) {
  std::set<std::string> keys, flags;
  for (const ConfigField& f : config_fields()) {
    EXPECT_TRUE(keys.insert(f.key).second) << f.key;
    if (f.flag.empty()) continue;
    EXPECT_TRUE(flags.insert(f.flag).second) << f.flag;
    EXPECT_NE(f.group, FlagGroup::None) << f.flag;
    EXPECT_FALSE(f.help.empty()) << f.flag;
    EXPECT_EQ(f.help.find("{choices}"), std::string::npos) << f.flag;
  }
  EXPECT_EQ(keys.size(), 47u);   // the 44 of config.json, "network", "layer_bits", "stage_width" (written when set)
  EXPECT_EQ(flags.size(), 44u);  // classes, in_channels, input_size are JSON only
  std::map<std::string, std::string> help;
  for (const ConfigField& f : config_fields()) help[f.key] = f.help;
  EXPECT_EQ(help["optimizer"], "sgd (default), adam or adamw");
  EXPECT_EQ(help["backward_precision"], "conv backward in fp32 (default) or bf16");
  EXPECT_EQ(help["batch_norm"], "training batch norm on wrpn (default) or libtorch kernels");
  EXPECT_EQ(help["dataset"], "fashion-mnist (default), mnist, cifar10, cifar100 or imagefolder (DIR/train, DIR/val)");
}

// The .wrpn info block uses the config's keys; files exported before still give their dataset.
TEST(TrainConfig, InfoUsesTheConfigKeysAndReadsOlderFiles) {
  TrainConfig c;
  c.model.name = "lenet5";
  c.model.weight_bits = 4;
  c.dataset = "cifar10";
  nlohmann::json info = info_json(c);
  EXPECT_EQ(keys_of(info), (std::set<std::string>{"model", "width", "wbits", "abits", "first_wbits", "last_wbits",
                                                  "classes", "dataset", "data", "quantizer"}));
  EXPECT_EQ(info["wbits"], 4);
  c.model.layer_bits = {models::parse_layer_bits("conv2=8/8")};  // written when there are rules
  info = info_json(c);
  EXPECT_EQ(info["layer_bits"], nlohmann::json::array({"conv2=8/8"}));
  c.model.stage_width = {models::parse_stage_width("conv2=3")};
  info = info_json(c);
  EXPECT_EQ(info["stage_width"], nlohmann::json::array({"conv2=3"}));
  TrainConfig back;
  apply_info(back, info);
  EXPECT_EQ(info_json(back), info);

  const nlohmann::json old = {{"format", "wrpn model"}, {"weight_bits", 2}, {"data_dir", "/old"},
                              {"dataset", "mnist"},     {"classes", "ten"}, {"label", "x"}};
  TrainConfig from_old;
  apply_info(from_old, old);
  EXPECT_EQ(from_old.model.weight_bits, 2);
  EXPECT_EQ(from_old.data_dir, "/old");
  EXPECT_EQ(from_old.dataset, "mnist");
  EXPECT_EQ(from_old.model.classes, 10);  // a value of another type is passed over
  apply_info(from_old, nlohmann::json("not an object"));
  EXPECT_EQ(from_old.dataset, "mnist");
}

// A run saved before act_clip_sigmas existed trained with the literal clip (1 sigma).
TEST(TrainConfig, SavedConfigsGetWhatOlderRunsTrainedWith) {
  nlohmann::json old = to_json(TrainConfig{});
  old.erase("act_clip_sigmas");
  add_keys_saved_before(old);
  EXPECT_EQ(old["act_clip_sigmas"], 1.0);
  nlohmann::json today = to_json(TrainConfig{});
  add_keys_saved_before(today);
  EXPECT_EQ(today, to_json(TrainConfig{}));
}

}  // namespace
}  // namespace train
}  // namespace wrpn
