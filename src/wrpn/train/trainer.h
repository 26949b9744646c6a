// The training loop: epochs of SGD/Adam over a dataset, evaluation, metrics.jsonl,
// an atomic checkpoint per epoch and exact resume.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "wrpn/data/dataset.h"
#include "wrpn/models/model_spec.h"
#include "wrpn/train/evaluate.h"
#include "wrpn/train/layer_stats.h"
#include "wrpn/train/train_config.h"

namespace wrpn {
namespace distributed {
class Group;
}
namespace train {

struct EpochMetrics {
  int64_t epoch = 0;  // 1-based
  double train_loss = 0;
  double train_acc = 0;
  EvalResult test;
  /// On the held-out tail of the training set (validation_fraction > 0).
  std::optional<EvalResult> validation;
  double images_per_s = 0;
  double lr = 0;
  double seconds = 0;
  /// Largest CPU tensor memory during a training step (train/memory_stats.h), bytes.
  int64_t peak_step_bytes = 0;
  /// Training images skipped as unreadable this epoch (imagefolder with skip_corrupt).
  int64_t skipped_images = 0;
  std::map<std::string, double> zero_fraction;
  /// Clipped fractions and gradient norms per layer (train/layer_stats.h).
  LayerStats layers;
};

struct TrainResult {
  std::shared_ptr<models::Network> model;
  EpochMetrics last;
  int64_t epochs_run = 0;  // in this call (fewer than config.epochs after a resume)
};

struct TrainHooks {
  /// Called after every epoch's checkpoint; return false to stop early (tests use it to
  /// simulate an interruption).
  std::function<bool(const EpochMetrics&)> after_epoch;
  /// Called after step `step` of epoch `epoch` (0-based) and its checkpoint, if one was due;
  /// tests throw from it to stop a run mid-epoch as a kill would.
  std::function<void(int64_t epoch, int64_t step)> after_step;
  /// Print per-epoch lines to stdout.
  bool verbose = true;
  /// Redraw a progress line on stderr during each epoch (defaults to "stderr is a terminal").
  bool progress = true;
  /// Builds the network from the resolved spec (the dataset's channels, size and classes
  /// filled in). Empty: models::build_model. A program training a network of its own class
  /// passes it here (examples/own_network); give the same one to resume.
  std::function<std::shared_ptr<models::Network>(const models::ModelSpec&)> build_model;
};

/// Loads the config's dataset split (train or test).
std::shared_ptr<data::Dataset> load_dataset(const TrainConfig& config, bool train);

/// Trains from scratch into config.out, or continues the run there when `resume` is set (its
/// checkpoint's config is used; only `threads` is taken from `config`). A run folder with a
/// config.json but no checkpoint yet is started again from that config.
///
/// With a process `group` of W ranks, this process is one rank of a data-parallel run:
/// config.batch_size is the global batch, of which the rank reads its slice
/// (data/distributed_sampler.h); gradients are summed over the ranks (distributed/grad_sync.h) with
/// the loss of each rank divided by the global batch size, so a step equals the
/// single-process step on the whole global batch. Parameters and buffers come from rank 0 at
/// the start (after a resume too); test evaluation is sharded and summed; only rank 0 writes
/// config.json, metrics.jsonl, the checkpoint and progress. The checkpoint does not depend
/// on W, so a run may resume with a different number of processes.
TrainResult run_training(TrainConfig config, bool resume, const TrainHooks& hooks = {},
                         std::shared_ptr<distributed::Group> group = nullptr);

/// The config a run folder was started with: its checkpoint's, else its config.json (a run
/// stopped before its first checkpoint); `has_checkpoint` says which. Throws
/// std::invalid_argument naming the folder when it has neither.
nlohmann::json saved_run_config(const std::string& run_folder, bool* has_checkpoint = nullptr);

/// Path of the checkpoint inside a run folder.
std::string checkpoint_path(const std::string& run_folder);

}  // namespace train
}  // namespace wrpn
