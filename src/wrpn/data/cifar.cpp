#include "wrpn/data/cifar.h"

#include "wrpn/runtime/input_path.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace wrpn {
namespace data {
namespace {

namespace fs = std::filesystem;

struct Variant {
  int label_bytes;
  int64_t classes;
  const char* archive_folder;
  std::vector<std::string> train_files, test_files;
  std::vector<float> mean, std;
};

Variant variant_of(const std::string& name) {
  if (name == "cifar10") {
    return {1,
            10,
            "cifar-10-batches-bin",
            {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"},
            {"test_batch.bin"},
            {0.4914f, 0.4822f, 0.4465f},
            {0.2470f, 0.2435f, 0.2616f}};
  }
  if (name == "cifar100") {
    return {2,
            100,
            "cifar-100-binary",
            {"train.bin"},
            {"test.bin"},
            {0.5071f, 0.4865f, 0.4409f},
            {0.2673f, 0.2564f, 0.2762f}};
  }
  throw std::invalid_argument(fmt::format("CIFAR variant must be cifar10 or cifar100, got '{}'", name));
}

}  // namespace

void read_cifar_file(const std::string& path, int label_bytes, int64_t classes, std::vector<uint8_t>& pixels,
                     std::vector<int64_t>& labels) {
  runtime::require_readable_file(path, "CIFAR file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("CIFAR file {} does not exist or cannot be read", path));
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const int64_t record = label_bytes + kCifarImageBytes;
  const int64_t size = int64_t(bytes.size());
  if (size == 0) throw std::runtime_error(fmt::format("CIFAR file {} is empty", path));
  if (size % record != 0) {
    throw std::runtime_error(
        fmt::format("CIFAR file {} ends in a truncated record: {} bytes after {} whole records; records are "
                    "{} bytes",
                    path, size % record, size / record, record));
  }
  const int64_t records = size / record;
  pixels.reserve(pixels.size() + size_t(records * kCifarImageBytes));
  for (int64_t r = 0; r < records; ++r) {
    const uint8_t* rec = bytes.data() + r * record;
    const int64_t label = rec[label_bytes - 1];
    if (label >= classes) {
      throw std::runtime_error(
          fmt::format("CIFAR file {}: label {} of record {} is outside 0..{}", path, label, r, classes - 1));
    }
    if (label_bytes == 2 && rec[0] >= 20) {
      throw std::runtime_error(
          fmt::format("CIFAR file {}: coarse label {} of record {} is outside 0..19", path, int(rec[0]), r));
    }
    labels.push_back(label);
    pixels.insert(pixels.end(), rec + label_bytes, rec + record);
  }
}

std::shared_ptr<InMemoryDataset> load_cifar(const std::string& dir, Split split, const std::string& name) {
  const Variant v = variant_of(name);
  const auto& files = split == Split::Train ? v.train_files : v.test_files;
  fs::path folder = dir;
  if (!fs::exists(folder / files.front()) && fs::exists(folder / v.archive_folder)) {
    folder /= v.archive_folder;
  }
  std::vector<uint8_t> pixels;
  std::vector<int64_t> labels;
  for (const auto& f : files) {
    read_cifar_file((folder / f).string(), v.label_bytes, v.classes, pixels, labels);
  }
  return std::make_shared<InMemoryDataset>(ImageShape{3, 32, 32}, v.classes, std::move(pixels), std::move(labels),
                                           v.mean, v.std);
}

}  // namespace data
}  // namespace wrpn
