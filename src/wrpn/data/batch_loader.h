// Turns a Dataset into normalised float batches, reproducibly: batch b of epoch e depends
// only on (seed, e, b), so a resumed run sees exactly the batches an uninterrupted one would,
// and with worker threads the batches are bit-identical to those of the calling thread.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <mutex>

#include "wrpn/data/dataset.h"
#include "wrpn/data/sample_source.h"

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
  /// Start at sample `offset` of the dataset (a validation split reads the training set's tail).
  TORCH_ARG(int64_t, offset) = 0;
  /// Use only the first `limit` samples (from `offset`); 0 means all.
  TORCH_ARG(int64_t, limit) = 0;
  /// Threads that make batches ahead of the training loop; 0 makes them in the calling
  /// thread when asked.
  TORCH_ARG(int, workers) = 0;
  /// With workers: the most batches made ahead; 0 means 2 per worker.
  TORCH_ARG(int, prefetch_batches) = 0;
  /// Data-parallel runs: this process reads only its rank's slice of every global batch of
  /// `batch_size` samples (the rule is in distributed_sampler.h). 0 of 1 reads everything.
  TORCH_ARG(int, rank) = 0;
  TORCH_ARG(int, world_size) = 1;
};

struct Batch {
  torch::Tensor images;  // (B, C, H, W) float32, normalised
  torch::Tensor labels;  // (B) int64
  /// Samples of this batch the source could not read and skipped (see ImageFolderOptions).
  int64_t skipped = 0;
};

class Prefetcher;

class BatchLoader {
 public:
  /// Crop padding and flip apply to fixed-size datasets; a dataset that makes its own
  /// samples (ImageFolder) augments itself.
  BatchLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);
  BatchLoader(std::shared_ptr<const SampleSource> source, LoaderOptions options);
  ~BatchLoader();

  /// Samples of an epoch across all ranks.
  int64_t num_samples() const { return num_samples_; }
  /// Global batches of an epoch (the same on every rank).
  int64_t num_batches() const;
  const SampleSource& source() const { return *source_; }

  /// This rank's part of batch `index` of epoch `epoch`. Without workers the tensors are views of buffers reused
  /// by the next call: use them before asking for another batch.
  Batch batch(int64_t epoch, int64_t index);

 private:
  std::shared_ptr<const std::vector<int64_t>> order_for(int64_t epoch);
  // Fills batch (epoch, index) into the first rows of images/labels; returns the batch,
  // narrowed to the samples kept.
  Batch assemble(int64_t epoch, int64_t index, torch::Tensor images, torch::Tensor labels);

  std::shared_ptr<const SampleSource> source_;
  LoaderOptions options_;
  int64_t num_samples_;
  std::mutex order_mutex_;
  int64_t order_epoch_ = -1;
  std::shared_ptr<const std::vector<int64_t>> order_;
  torch::Tensor images_, labels_;
  std::unique_ptr<Prefetcher> prefetcher_;
};

}  // namespace data
}  // namespace wrpn
