#include "wrpn/data/batch_loader.h"

#include <fmt/format.h>

#include <numeric>

#include "wrpn/data/distributed_sampler.h"
#include "wrpn/data/prefetcher.h"
#include "wrpn/data/rng.h"

namespace wrpn {
namespace data {
namespace {

void check_options(const LoaderOptions& o) {
  if (o.batch_size() < 1) {
    throw std::invalid_argument(fmt::format("batch size must be >= 1, got {}", o.batch_size()));
  }
  if (o.limit() < 0) {
    throw std::invalid_argument(fmt::format("sample limit must be >= 0, got {}", o.limit()));
  }
  if (o.offset() < 0) {
    throw std::invalid_argument(fmt::format("sample offset must be >= 0, got {}", o.offset()));
  }
  if (o.crop_padding() < 0) {
    throw std::invalid_argument(fmt::format("crop padding must be >= 0, got {}", o.crop_padding()));
  }
  if (o.workers() < 0) {
    throw std::invalid_argument(fmt::format("loader workers must be >= 0, got {}", o.workers()));
  }
  if (o.prefetch_batches() < 0) {
    throw std::invalid_argument(fmt::format("prefetch batches must be >= 0, got {}", o.prefetch_batches()));
  }
  if (o.world_size() < 1 || o.rank() < 0 || o.rank() >= o.world_size()) {
    throw std::invalid_argument(
        fmt::format("loader rank must be in 0..world_size-1, got rank {} of {}", o.rank(), o.world_size()));
  }
}

}  // namespace

BatchLoader::BatchLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : BatchLoader(
          (check_options(options), as_sample_source(std::move(dataset), options.crop_padding(), options.flip())),
          options) {}

BatchLoader::BatchLoader(std::shared_ptr<const SampleSource> source, LoaderOptions options)
    : source_(std::move(source)), options_(options) {
  check_options(options_);
  if (options_.offset() > source_->size()) {
    throw std::invalid_argument(
        fmt::format("sample offset {} is past the dataset's {} samples", options_.offset(), source_->size()));
  }
  num_samples_ = source_->size() - options_.offset();
  if (options_.limit() > 0) num_samples_ = std::min(num_samples_, options_.limit());
  const ImageShape s = source_->shape();
  if (options_.workers() == 0) {
    const int64_t b =
        std::min(max_shard_size(options_.batch_size(), options_.world_size()), std::max<int64_t>(num_samples_, 1));
    images_ = torch::empty({b, s.channels, s.height, s.width});
    labels_ = torch::empty({b}, torch::kInt64);
  } else if (num_batches() > 0) {
    const int capacity = options_.prefetch_batches() > 0 ? options_.prefetch_batches() : 2 * options_.workers();
    prefetcher_ = std::make_unique<Prefetcher>(
        [this, s](int64_t epoch, int64_t index) {
          const int64_t b = max_shard_size(options_.batch_size(), options_.world_size());
          return assemble(epoch, index, torch::empty({b, s.channels, s.height, s.width}),
                          torch::empty({b}, torch::kInt64));
        },
        num_batches(), options_.workers(), capacity);
  }
}

BatchLoader::~BatchLoader() = default;

int64_t BatchLoader::num_batches() const { return global_batches(num_samples_, options_.batch_size()); }

std::shared_ptr<const std::vector<int64_t>> BatchLoader::order_for(int64_t epoch) {
  std::lock_guard<std::mutex> lock(order_mutex_);
  if (order_epoch_ != epoch) {
    order_ = std::make_shared<const std::vector<int64_t>>(permutation(num_samples_, options_.seed(), uint64_t(epoch)));
    order_epoch_ = epoch;
  }
  return order_;
}

Batch BatchLoader::batch(int64_t epoch, int64_t index) {
  TORCH_CHECK(index >= 0 && index < num_batches(), "batch index ", index, " outside 0..", num_batches() - 1);
  if (prefetcher_) return prefetcher_->take(epoch, index);
  return assemble(epoch, index, images_, labels_);
}

Batch BatchLoader::assemble(int64_t epoch, int64_t index, torch::Tensor images, torch::Tensor labels) {
  const auto order = options_.shuffle() ? order_for(epoch) : nullptr;
  const ShardSlice slice =
      shard_of_batch(num_samples_, options_.batch_size(), index, options_.rank(), options_.world_size());
  const int64_t first = slice.first, count = slice.count;
  const int64_t pixels = source_->shape().pixels();
  int64_t kept = 0;
  for (int64_t slot = 0; slot < count; ++slot) {
    const int64_t position = first + slot;
    const int64_t sample = options_.offset() + (order ? (*order)[size_t(position)] : position);
    // Augmentation draws come from a stream of their own per (epoch, position).
    SplitMix64 rng(options_.seed() ^ 0xa5a5a5a5ULL, uint64_t(epoch) << 32 ^ uint64_t(position));
    if (!source_->read_sample(sample, rng, images.data_ptr<float>() + kept * pixels)) continue;
    labels.data_ptr<int64_t>()[kept++] = source_->label(sample);
  }
  return {images.narrow(0, 0, kept), labels.narrow(0, 0, kept), count - kept};
}

}  // namespace data
}  // namespace wrpn
