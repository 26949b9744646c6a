// A checkpoint's test accuracy, as `wrpn eval` and Python's wrpn.evaluate report it.
#pragma once

#include <cstdint>
#include <string>

#include "wrpn/train/evaluate.h"

namespace wrpn {
namespace train {

struct CheckpointEvalOptions {
  std::string data_dir;  // empty: the folder the run trained on
  int64_t limit = 0;     // 0: the whole test split
  int64_t batch_size = 256;
};

struct CheckpointEval {
  EvalResult result;
  std::string model;  // the model's label, e.g. "resnet20 w2 4/4"
  int64_t epochs_done = 0;
};

/// Rebuilds the checkpoint's model from its saved config, loads its weights and evaluates it
/// on the test split of its dataset (or of `data_dir`).
CheckpointEval evaluate_checkpoint(const std::string& checkpoint, const CheckpointEvalOptions& options = {});

}  // namespace train
}  // namespace wrpn
