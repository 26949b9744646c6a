// The interface every dataset implements: indexed images (uint8, CHW) with integer labels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wrpn {
namespace data {

struct ImageShape {
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 0;
  int64_t pixels() const { return channels * height * width; }
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual ImageShape shape() const = 0;
  virtual int64_t num_classes() const = 0;
  virtual int64_t label(int64_t index) const = 0;
  /// Writes image `index` as uint8 CHW into `out` (shape().pixels() bytes).
  virtual void read_image(int64_t index, uint8_t* out) const = 0;
  /// Per-channel mean and standard deviation of pixel/255 used to normalise inputs.
  virtual std::vector<float> channel_mean() const = 0;
  virtual std::vector<float> channel_std() const = 0;
};

/// A dataset held in memory as one contiguous uint8 array of N images, CHW each.
class InMemoryDataset : public Dataset {
 public:
  InMemoryDataset(ImageShape shape, int64_t num_classes, std::vector<uint8_t> pixels, std::vector<int64_t> labels,
                  std::vector<float> mean, std::vector<float> std);

  int64_t size() const override { return int64_t(labels_.size()); }
  ImageShape shape() const override { return shape_; }
  int64_t num_classes() const override { return num_classes_; }
  int64_t label(int64_t index) const override { return labels_[size_t(index)]; }
  void read_image(int64_t index, uint8_t* out) const override;
  std::vector<float> channel_mean() const override { return mean_; }
  std::vector<float> channel_std() const override { return std_; }

  const uint8_t* image_data(int64_t index) const { return pixels_.data() + size_t(index * shape_.pixels()); }

 private:
  ImageShape shape_;
  int64_t num_classes_;
  std::vector<uint8_t> pixels_;
  std::vector<int64_t> labels_;
  std::vector<float> mean_, std_;
};

}  // namespace data
}  // namespace wrpn
