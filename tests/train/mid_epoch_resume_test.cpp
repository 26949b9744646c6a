// What a kill mid-epoch costs: --checkpoint-every N steps, a resume from that step equal bit for
// bit to an uninterrupted run (weights and metrics.jsonl), the last K checkpoints kept; and
// the NaN/Inf checks that stop a run naming the tensor, the step and the last good checkpoint.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../test_util.h"
#include "train_test_util.h"
#include "wrpn/train/checkpoint.h"
#include "wrpn/train/checkpoint_history.h"
#include "wrpn/train/run_lock.h"
#include "wrpn/train/trainer.h"

namespace wrpn {
namespace train {
namespace {

using testing_util::TempDir;

// 256 images in batches of 32: 8 steps per epoch; mlp at 2/4 bits, one thread.
TrainConfig tiny_run(const std::string& out) {
  TrainConfig c;
  c.model.name = "mlp";
  c.model.weight_bits = 2;
  c.model.activation_bits = 4;
  c.epochs = 2;
  c.batch_size = 32;
  c.limit_train = 256;
  c.limit_test = 128;
  c.threads = 1;
  c.checkpoint_every = 3;
  c.out = out;
  return c;
}

// metrics.jsonl without the wall-clock figures, which no two runs share, and the memory peak
// (a resumed process's first step allocates what a running one already holds).
std::vector<nlohmann::json> metrics_without_timing(const std::string& run) {
  std::ifstream in(run + "/metrics.jsonl");
  std::vector<nlohmann::json> lines;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    j.erase("img_per_s");
    j.erase("epoch_seconds");
    j.erase("peak_step_mb");
    lines.push_back(j);
  }
  return lines;
}

struct Killed : std::runtime_error {
  Killed() : std::runtime_error("killed") {}
};

TEST(MidEpochResume, KilledAfterAnyStepResumesBitExact) {
  TempDir dir("mid-epoch");
  const TrainConfig straight_config = tiny_run(dir.file("straight"));
  const TrainResult straight = run_training(straight_config, false, quiet());
  const auto straight_metrics = metrics_without_timing(straight_config.out);
  ASSERT_EQ(straight_metrics.size(), 2u);

  // Killed after step 4 of epoch 1 (the checkpoint of step 3 is the last), then after step 1
  // of epoch 2 (global step 9's is), then resumed to the end.
  TrainConfig c = tiny_run(dir.file("killed"));
  for (const auto& [epoch, step] : std::vector<std::pair<int64_t, int64_t>>{{0, 4}, {1, 1}}) {
    TrainHooks kill = quiet();
    kill.after_step = [epoch = epoch, step = step](int64_t e, int64_t s) {
      if (e == epoch && s == step) throw Killed();
    };
    EXPECT_THROW(run_training(c, /*resume=*/epoch > 0, kill), Killed);
  }
  const CheckpointMeta meta = read_checkpoint_meta(checkpoint_path(c.out));
  EXPECT_EQ(meta.epochs_done, 1);
  EXPECT_EQ(meta.steps_done, 1);
  const TrainResult resumed = run_training(c, /*resume=*/true, quiet());
  expect_same_parameters(*straight.model, *resumed.model);
  EXPECT_EQ(metrics_without_timing(c.out), straight_metrics);
}

TEST(MidEpochResume, CheckpointHoldsTheStepAndTheEpochSoFar) {
  TempDir dir("mid-epoch-meta");
  TrainConfig c = tiny_run(dir.str());
  c.epochs = 1;
  TrainHooks kill = quiet();
  kill.after_step = [](int64_t, int64_t s) {
    if (s == 6) throw Killed();
  };
  EXPECT_THROW(run_training(c, false, kill), Killed);
  const CheckpointMeta meta = read_checkpoint_meta(checkpoint_path(c.out));
  EXPECT_EQ(meta.epochs_done, 0);
  EXPECT_EQ(meta.steps_done, 6);
  // Six batches of 32 seen by the one rank.
  EXPECT_EQ(meta.epoch_state["ranks"][0][3].get<double>(), 192.0);
  EXPECT_EQ(meta.epoch_state["layers"]["steps"], 6);
}

TEST(MidEpochResume, KeepsTheLastKCheckpoints) {
  TempDir dir("keep-k");
  TrainConfig c = tiny_run(dir.str());
  c.keep_checkpoints = 3;
  run_training(c, false, quiet());
  // Checkpoints at global steps 3, 6, 8 (end of epoch 1), 9, 12, 15, 16 (end): the last three.
  std::vector<std::string> names;
  for (const auto& f : checkpoint_history(c.out)) names.push_back(std::filesystem::path(f).filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"checkpoint-step0000000012.pt", "checkpoint-step0000000015.pt",
                                             "checkpoint-step0000000016.pt"}));
  // Each is a whole checkpoint: the newest is checkpoint.pt itself.
  EXPECT_EQ(read_checkpoint_meta(dir.file("checkpoint-step0000000015.pt")).steps_done, 7);
  EXPECT_EQ(std::filesystem::hard_link_count(dir.file("checkpoint.pt")), 2u);
}

TEST(MidEpochResume, OneCheckpointKeepsNoHistory) {
  TempDir dir("keep-1");
  run_training(tiny_run(dir.str()), false, quiet());
  EXPECT_TRUE(checkpoint_history(dir.str()).empty());
}

// Flatten -> a linear classifier, plus a term whose value is finite but whose gradient is not
// (d sqrt|p| / dp at p = 0 is 0 * inf), or an input blown up to Inf before a batch norm.
class Fragile : public models::Network {
 public:
  Fragile(const models::ModelSpec& spec, bool bad_gradient) : bad_gradient_(bad_gradient) {
    const int64_t inputs = spec.in_channels * spec.input_size * spec.input_size;
    bn = register_module("bn", torch::nn::BatchNorm1d(inputs));
    fc = register_module("fc", torch::nn::Linear(inputs, spec.classes));
    fragile = register_parameter("fragile", torch::zeros({1}));
  }
  torch::Tensor forward(torch::Tensor images) override {
    torch::Tensor x = images.flatten(1);
    if (!bad_gradient_) x = x * 1e30f * 1e30f;
    return fc(bn(x)) + (bad_gradient_ ? torch::sqrt(fragile.abs()) : torch::zeros({1}));
  }
  torch::nn::BatchNorm1d bn{nullptr};
  torch::nn::Linear fc{nullptr};
  torch::Tensor fragile;

 private:
  bool bad_gradient_;
};

std::string stop_message(bool bad_gradient) {
  TempDir dir(bad_gradient ? "nan-gradient" : "inf-bn");
  TrainConfig c = tiny_run(dir.str());
  TrainHooks h = quiet();
  h.build_model = [bad_gradient](const models::ModelSpec& spec) {
    return std::make_shared<Fragile>(spec, bad_gradient);
  };
  try {
    run_training(c, false, h);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "the run finished";
}

TEST(Numerics, NonFiniteGradientNamesTheParameterAndTheStep) {
  EXPECT_EQ(stop_message(true),
            "the gradient of fragile became NaN or Inf at epoch 1 step 0 (lr 0.1); the last good checkpoint is none "
            "yet");
}

TEST(Numerics, NonFiniteBatchNormStatisticNamesTheBuffer) {
  EXPECT_EQ(stop_message(false),
            "batch-norm statistic bn.running_mean became NaN or Inf at epoch 1 step 0 (lr 0.1); the last good "
            "checkpoint is none yet");
}

// A second trainer on a run folder in use is refused with the holder's pid; the lock goes with
// its holder.
TEST(RunLock, SecondHolderIsRefusedNamingTheFolderAndPid) {
  TempDir dir("run-lock");
  {
    const RunLock first(dir.str());
    try {
      const RunLock second(dir.str());
      FAIL() << "two holders";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "run folder " + dir.str() + " is in use by another wrpn train (pid " +
                                           std::to_string(::getpid()) + "); stop it first");
    }
  }
  EXPECT_NO_THROW(RunLock again(dir.str()));
}

}  // namespace
}  // namespace train
}  // namespace wrpn
