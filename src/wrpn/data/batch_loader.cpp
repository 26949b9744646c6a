#include "wrpn/data/batch_loader.h"

#include <fmt/format.h>

#include <numeric>

#include "wrpn/data/rng.h"

namespace wrpn {
namespace data {

BatchLoader::BatchLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  if (options_.batch_size() < 1) {
    throw std::invalid_argument(
        fmt::format("batch size must be >= 1, got {}", options_.batch_size()));
  }
  if (options_.limit() < 0) {
    throw std::invalid_argument(fmt::format("sample limit must be >= 0, got {}", options_.limit()));
  }
  if (options_.crop_padding() < 0) {
    throw std::invalid_argument(
        fmt::format("crop padding must be >= 0, got {}", options_.crop_padding()));
  }
  num_samples_ = dataset_->size();
  if (options_.limit() > 0) num_samples_ = std::min(num_samples_, options_.limit());
  const ImageShape s = dataset_->shape();
  scratch_.resize(size_t(s.pixels()));
  const auto mean = dataset_->channel_mean();
  const auto std = dataset_->channel_std();
  for (int64_t c = 0; c < s.channels; ++c) {
    scale_.push_back(1.0f / (255.0f * std[size_t(c)]));
    shift_.push_back(-mean[size_t(c)] / std[size_t(c)]);
  }
  const int64_t b = std::min(options_.batch_size(), std::max<int64_t>(num_samples_, 1));
  images_ = torch::empty({b, s.channels, s.height, s.width});
  labels_ = torch::empty({b}, torch::kInt64);
}

int64_t BatchLoader::num_batches() const {
  return (num_samples_ + options_.batch_size() - 1) / options_.batch_size();
}

Batch BatchLoader::batch(int64_t epoch, int64_t index) {
  TORCH_CHECK(index >= 0 && index < num_batches(), "batch index ", index, " outside 0..",
              num_batches() - 1);
  if (options_.shuffle() && order_epoch_ != epoch) {
    order_ = permutation(num_samples_, options_.seed(), uint64_t(epoch));
    order_epoch_ = epoch;
  }
  const int64_t first = index * options_.batch_size();
  const int64_t count = std::min(options_.batch_size(), num_samples_ - first);
  for (int64_t slot = 0; slot < count; ++slot) {
    const int64_t position = first + slot;
    const int64_t sample = options_.shuffle() ? order_[size_t(position)] : position;
    fill_sample(epoch, position, sample, slot);
  }
  return {images_.narrow(0, 0, count), labels_.narrow(0, 0, count)};
}

void BatchLoader::fill_sample(int64_t epoch, int64_t position, int64_t sample, int64_t slot) {
  const ImageShape s = dataset_->shape();
  dataset_->read_image(sample, scratch_.data());
  labels_.data_ptr<int64_t>()[slot] = dataset_->label(sample);

  // Augmentation draws come from a stream of their own per (epoch, position).
  int64_t dy = 0, dx = 0;
  bool flip = false;
  const int64_t pad = options_.crop_padding();
  if (pad > 0 || options_.flip()) {
    SplitMix64 rng(options_.seed() ^ 0xa5a5a5a5ULL, uint64_t(epoch) << 32 ^ uint64_t(position));
    if (pad > 0) {
      dy = int64_t(rng.below(uint64_t(2 * pad + 1))) - pad;
      dx = int64_t(rng.below(uint64_t(2 * pad + 1))) - pad;
    }
    if (options_.flip()) flip = rng.below(2) == 1;
  }
  float* out = images_.data_ptr<float>() + slot * s.pixels();
  for (int64_t c = 0; c < s.channels; ++c) {
    const uint8_t* plane = scratch_.data() + c * s.height * s.width;
    const float scale = scale_[size_t(c)], shift = shift_[size_t(c)];
    for (int64_t y = 0; y < s.height; ++y) {
      const int64_t sy = y + dy;
      for (int64_t x = 0; x < s.width; ++x) {
        const int64_t sx = (flip ? s.width - 1 - x : x) + dx;
        const bool inside = sy >= 0 && sy < s.height && sx >= 0 && sx < s.width;
        const float pixel = inside ? float(plane[sy * s.width + sx]) : 0.0f;
        *out++ = pixel * scale + shift;
      }
    }
  }
}

}  // namespace data
}  // namespace wrpn
