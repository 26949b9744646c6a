// Everything a training run is made of; resolved from defaults, a JSON file and flags, and
// written to the run folder as config.json. Each field's key, flag, help and check are in
// config_schema.cpp.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "wrpn/models/model_spec.h"

namespace wrpn {
namespace train {

struct TrainConfig {
  models::ModelSpec model;
  /// "fashion-mnist", "mnist", "cifar10", "cifar100" or "imagefolder" (train/ and val/
  /// sub-folders of class folders of JPEGs).
  std::string dataset = "fashion-mnist";
  /// Folder holding the dataset files.
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  /// Loader threads making batches ahead of the training loop; 0 = in the training thread.
  int workers = 0;
  /// imagefolder: side of the square training and evaluation images.
  int64_t image_size = 224;
  /// imagefolder: skip unreadable images (counted in metrics.jsonl) instead of stopping.
  bool skip_corrupt = false;
  int64_t epochs = 10;
  int64_t batch_size = 128;
  /// "sgd", "adam" or "adamw".
  std::string optimizer = "sgd";
  double lr = 0.1;
  double momentum = 0.9;
  bool nesterov = true;
  /// Applied to conv/linear weights (not batch norm or biases).
  double weight_decay = 5e-4;
  /// "cosine", "step" or "constant"; linear warm-up first.
  std::string schedule = "cosine";
  double warmup_epochs = 0.0;
  /// "step" schedule: multiply the learning rate by gamma every step_epochs epochs.
  int64_t step_epochs = 30;
  double gamma = 0.1;
  uint64_t seed = 1;
  /// Intra-op threads; 0 keeps LibTorch's default (all cores).
  int threads = 0;
  /// Run folder: config.json, metrics.jsonl, checkpoint.pt.
  std::string out = "runs/latest";
  /// Also checkpoint every N optimiser steps inside an epoch (0: at each epoch's end only), so
  /// that a kill loses at most N steps; a resume continues from that step bit for bit.
  int64_t checkpoint_every = 0;
  /// Checkpoints kept: checkpoint.pt is the newest; above 1, the last K are also kept as
  /// checkpoint-step<N>.pt (hard links where the file system has them).
  int64_t keep_checkpoints = 1;
  /// Use only the first N training / test samples; 0 means all.
  int64_t limit_train = 0;
  int64_t limit_test = 0;
  /// Hold out this fraction of the training set's last images: never trained on, evaluated
  /// every epoch as val_loss/val_acc (what `wrpn search` ranks by); 0 = none.
  double validation_fraction = 0;
  /// Augmentation: random crop after zero padding (pixels, 0 = off) and horizontal flip.
  int64_t crop_padding = 0;
  bool flip = false;
  /// Keep saved activations of k <= 8 bits as packed k-bit codes for the backward pass
  /// (default: 0.53-0.62x the peak memory, bit-identical gradients, no measurable step-time
  /// cost; docs/PERFORMANCE.md); false keeps LibTorch's float tensors.
  bool packed_saving = true;
  /// The forward of k <= 8-bit layers as the exact integer GEMM of their codes on the matrix
  /// units (oneDNN int8: AMX or VNNI), and the conv backward's precision, fp32 or bf16
  /// (nn/matrix_units.h; docs/TRAINING.md "Training on the matrix units").
  bool int8_forward = true;
  std::string backward_precision = "fp32";
  /// With the int8 forward: batch norm recomputes its input in backward instead of keeping it
  /// (off by default: 17-38% slower steps for a lower peak only in some networks).
  bool recompute_conv_outputs = false;
  /// Training batch norm on wrpn's kernels ("wrpn", default: LibTorch's results up to float
  /// summation order, the forward 2.2x faster) or LibTorch's ("libtorch"; nn/batch_norm_training.h).
  std::string batch_norm = "wrpn";

  /// Throws std::invalid_argument naming the field and its value when out of range.
  /// `registered_model` false: the network comes from the caller (TrainHooks::build_model),
  /// so its name need not be in the registry.
  void validate(bool registered_model = true) const;
};

nlohmann::json to_json(const TrainConfig& config);

/// Overlays the keys of `json` on `config`; an unknown key or a value of the wrong type
/// throws std::invalid_argument naming the key (and `source`, e.g. the file name).
void apply_json(TrainConfig& config, const nlohmann::json& json, const std::string& source);

/// Reads a JSON config file and overlays it on `config`.
void apply_json_file(TrainConfig& config, const std::string& path);

/// Adds to a config saved by an older run the keys it lacks, with what that run used.
void add_keys_saved_before(nlohmann::json& saved);

/// What a .wrpn file's info block says of the run (config keys; the exporter adds its own).
nlohmann::json info_json(const TrainConfig& config);

/// Overlays an info block's keys on `config`, also those older files used; it is informative,
/// so anything else in it, or a value of another type, is passed over.
void apply_info(TrainConfig& config, const nlohmann::json& info);

}  // namespace train
}  // namespace wrpn
