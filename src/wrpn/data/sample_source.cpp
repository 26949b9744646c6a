#include "wrpn/data/sample_source.h"

#include <fmt/format.h>

#include <stdexcept>

namespace wrpn {
namespace data {

DatasetSource::DatasetSource(std::shared_ptr<const Dataset> dataset, int64_t crop_padding, bool flip)
    : dataset_(std::move(dataset)), crop_padding_(crop_padding), flip_(flip) {
  if (crop_padding_ < 0) {
    throw std::invalid_argument(fmt::format("crop padding must be >= 0, got {}", crop_padding_));
  }
  const auto mean = dataset_->channel_mean();
  const auto std = dataset_->channel_std();
  for (int64_t c = 0; c < dataset_->shape().channels; ++c) {
    scale_.push_back(1.0f / (255.0f * std[size_t(c)]));
    shift_.push_back(-mean[size_t(c)] / std[size_t(c)]);
  }
}

bool DatasetSource::read_sample(int64_t index, SplitMix64& rng, float* out) const {
  const ImageShape s = dataset_->shape();
  // Per-thread scratch: read_sample runs on several loader threads at once.
  thread_local std::vector<uint8_t> scratch;
  scratch.resize(size_t(s.pixels()));
  dataset_->read_image(index, scratch.data());

  int64_t dy = 0, dx = 0;
  bool flip = false;
  const int64_t pad = crop_padding_;
  if (pad > 0) {
    dy = int64_t(rng.below(uint64_t(2 * pad + 1))) - pad;
    dx = int64_t(rng.below(uint64_t(2 * pad + 1))) - pad;
  }
  if (flip_) flip = rng.below(2) == 1;
  for (int64_t c = 0; c < s.channels; ++c) {
    const uint8_t* plane = scratch.data() + c * s.height * s.width;
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
  return true;
}

std::shared_ptr<const SampleSource> as_sample_source(std::shared_ptr<const Dataset> dataset, int64_t crop_padding,
                                                     bool flip) {
  if (const auto* own = dynamic_cast<const SampleSource*>(dataset.get())) {
    return std::shared_ptr<const SampleSource>(dataset, own);  // shares the dataset's lifetime
  }
  return std::make_shared<DatasetSource>(std::move(dataset), crop_padding, flip);
}

}  // namespace data
}  // namespace wrpn
