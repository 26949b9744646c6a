#include "wrpn/data/mnist.h"

#include <fmt/format.h>

#include <stdexcept>
#include <sys/stat.h>

#include "wrpn/data/idx.h"

namespace wrpn {
namespace data {
namespace {

constexpr int64_t kClasses = 10;

// The file as shipped (.gz) or decompressed; the .gz name when neither exists, for the error.
std::string resolve(const std::string& dir, const std::string& stem) {
  struct stat st;
  const std::string raw = dir + "/" + stem;
  if (stat(raw.c_str(), &st) == 0) return raw;
  return raw + ".gz";
}

}  // namespace

std::shared_ptr<InMemoryDataset> load_mnist(const std::string& dir, Split split, const std::string& variant) {
  std::vector<float> mean, std;
  if (variant == "fashion-mnist") {
    mean = {0.2860f};
    std = {0.3530f};
  } else if (variant == "mnist") {
    mean = {0.1307f};
    std = {0.3081f};
  } else {
    throw std::invalid_argument(fmt::format("dataset must be 'fashion-mnist' or 'mnist', got '{}'", variant));
  }
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string images_path = resolve(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = resolve(dir, prefix + "-labels-idx1-ubyte");
  IdxArray images = read_idx(images_path, 3);
  IdxArray labels = read_idx(labels_path, 1);
  if (images.dims[0] != labels.dims[0]) {
    throw std::runtime_error(fmt::format("{} holds {} images but {} holds {} labels", images_path, images.dims[0],
                                         labels_path, labels.dims[0]));
  }
  std::vector<int64_t> label_values(labels.values.size());
  for (size_t i = 0; i < labels.values.size(); ++i) {
    if (labels.values[i] >= kClasses) {
      throw std::runtime_error(fmt::format("{}: label {} at index {} is outside 0..{}", labels_path,
                                           int(labels.values[i]), i, kClasses - 1));
    }
    label_values[i] = labels.values[i];
  }
  const ImageShape shape{1, images.dims[1], images.dims[2]};
  return std::make_shared<InMemoryDataset>(shape, kClasses, std::move(images.values), std::move(label_values), mean,
                                           std);
}

}  // namespace data
}  // namespace wrpn
