// Turns a Dataset into normalised float batches, reproducibly: batch b of epoch e depends
// only on (seed, e, b), so a resumed run sees exactly the batches an uninterrupted one would.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "wrpn/data/dataset.h"

namespace wrpn {
namespace data {

struct LoaderOptions {
  /// Samples per batch (the last batch of an epoch may be smaller).
  TORCH_ARG(int64_t, batch_size) = 128;
  /// Shuffle the samples each epoch (a new order per epoch, from the seed).
  TORCH_ARG(bool, shuffle) = true;
  /// Seed of the shuffling and augmentation streams.
  TORCH_ARG(uint64_t, seed) = 0;
  /// Random crop after zero padding by this many pixels on each side; 0 disables it.
  TORCH_ARG(int64_t, crop_padding) = 0;
  /// Random horizontal flip with probability 1/2.
  TORCH_ARG(bool, flip) = false;
  /// Use only the first `limit` samples of the dataset; 0 means all.
  TORCH_ARG(int64_t, limit) = 0;
};

struct Batch {
  torch::Tensor images;  // (B, C, H, W) float32, normalised
  torch::Tensor labels;  // (B) int64
};

class BatchLoader {
 public:
  BatchLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);

  int64_t num_samples() const { return num_samples_; }
  int64_t num_batches() const;
  const Dataset& dataset() const { return *dataset_; }

  /// Batch `index` of epoch `epoch`. The tensors are views of buffers reused by the next
  /// call: use them before asking for another batch.
  Batch batch(int64_t epoch, int64_t index);

 private:
  void fill_sample(int64_t epoch, int64_t position, int64_t sample, int64_t slot);

  std::shared_ptr<const Dataset> dataset_;
  LoaderOptions options_;
  int64_t num_samples_;
  int64_t order_epoch_ = -1;
  std::vector<int64_t> order_;
  std::vector<uint8_t> scratch_;
  std::vector<float> scale_, shift_;  // per channel: x = pixel * scale + shift
  torch::Tensor images_, labels_;
};

}  // namespace data
}  // namespace wrpn
