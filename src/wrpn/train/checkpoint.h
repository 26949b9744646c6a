// Checkpoints: model, optimiser, epochs completed, RNG state and the resolved config, in one
// LibTorch archive written atomically.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <string>

#include "wrpn/models/model_spec.h"

namespace wrpn {
namespace train {

struct CheckpointMeta {
  /// Epochs completed when the checkpoint was written.
  int64_t epochs_done = 0;
  /// The run's resolved config (see train_config.h).
  nlohmann::json config;
  /// The input normalisation the run applied, {"mean": [...], "std": [...]} of pixel/255 per
  /// channel, so that export needs no dataset. Null in checkpoints written before it was kept.
  nlohmann::json input;
  /// Steps of epoch epochs_done + 1 completed (0: written at an epoch's end), and that
  /// epoch's running totals then (train/epoch_state.h), for a bit-exact mid-epoch resume.
  int64_t steps_done = 0;
  nlohmann::json epoch_state;
};

void save_checkpoint(const std::string& path, models::Network& model, torch::optim::Optimizer* optimizer,
                     const CheckpointMeta& meta);

/// Reads only the metadata, so the caller can build the model the checkpoint holds.
/// Throws std::runtime_error naming the file when it is missing, corrupt or not ours.
CheckpointMeta read_checkpoint_meta(const std::string& path);

/// Loads parameters and buffers into `model` (and the optimiser state when given) and
/// restores the RNG state.
void load_checkpoint(const std::string& path, models::Network& model, torch::optim::Optimizer* optimizer);

}  // namespace train
}  // namespace wrpn
