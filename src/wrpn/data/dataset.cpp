#include "wrpn/data/dataset.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

namespace wrpn {
namespace data {

InMemoryDataset::InMemoryDataset(ImageShape shape, int64_t num_classes, std::vector<uint8_t> pixels,
                                 std::vector<int64_t> labels, std::vector<float> mean, std::vector<float> std)
    : shape_(shape),
      num_classes_(num_classes),
      pixels_(std::move(pixels)),
      labels_(std::move(labels)),
      mean_(std::move(mean)),
      std_(std::move(std)) {
  if (int64_t(pixels_.size()) != shape_.pixels() * int64_t(labels_.size())) {
    throw std::invalid_argument(fmt::format("dataset has {} pixel bytes for {} images of {} bytes", pixels_.size(),
                                            labels_.size(), shape_.pixels()));
  }
  if (int64_t(mean_.size()) != shape_.channels || int64_t(std_.size()) != shape_.channels) {
    throw std::invalid_argument(
        fmt::format("dataset normalisation needs {} channels, got {}/{}", shape_.channels, mean_.size(), std_.size()));
  }
}

void InMemoryDataset::read_image(int64_t index, uint8_t* out) const {
  std::memcpy(out, image_data(index), size_t(shape_.pixels()));
}

}  // namespace data
}  // namespace wrpn
