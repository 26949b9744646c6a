// What `wrpn export`, `wrpn infer` and `wrpn bench infer` share: loading a trained run,
// the info block a .wrpn file carries, and batches of test images for both engines.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <memory>
#include <string>

#include "wrpn/data/dataset.h"
#include "wrpn/models/model_spec.h"
#include "wrpn/runtime/model_format.h"
#include "wrpn/train/train_config.h"

namespace wrpn {
namespace cli {

struct TrainedModel {
  train::TrainConfig config;
  std::shared_ptr<models::Network> model;
  int64_t epochs_done = 0;
  /// The checkpoint's input normalisation (train/checkpoint.h); null in older checkpoints.
  nlohmann::json input;
};

/// Builds the checkpoint's model and loads its weights (evaluation mode).
TrainedModel load_trained(const std::string& checkpoint);

/// Exports a LibTorch model to a .wrpn graph whose inputs are normalised by `input`.
runtime::ModelFile export_trained(models::Network& model, const train::TrainConfig& config,
                                  const runtime::InputSpec& input, const std::string& source);

/// Bytes of float32 parameters and buffers (what a float model file minimally holds).
int64_t float_state_bytes(models::Network& model);

/// Images [begin, begin + count) of `dataset` as uint8 NCHW.
std::vector<uint8_t> read_images(const data::Dataset& dataset, int64_t begin, int64_t count);

}  // namespace cli
}  // namespace wrpn
