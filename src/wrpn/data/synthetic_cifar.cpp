#include "wrpn/data/synthetic_cifar.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "wrpn/data/rng.h"

namespace wrpn {
namespace data {

std::vector<uint8_t> synthetic_cifar_records(int64_t first, int64_t count, uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<uint8_t> b;
  for (int64_t r = first; r < first + count; ++r) {
    const int64_t c = r % 10;
    b.push_back(uint8_t(c));
    for (int64_t ch = 0; ch < 3; ++ch) {
      const int64_t base = (c * (37 + 50 * ch)) % 200 + 28;
      for (int64_t j = 0; j < 1024; ++j) b.push_back(uint8_t(base + int64_t(rng.below(41)) - 20));
    }
  }
  return b;
}

void write_cifar10_files(const std::string& dir, int64_t train_per_batch, int64_t test, const CifarRecordMaker& make) {
  if (train_per_batch < 1 || test < 1) {
    throw std::invalid_argument(
        fmt::format("a generated CIFAR set needs >= 1 record per file, got {} and {}", train_per_batch, test));
  }
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = dir + "/" + name;
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out.good()) throw std::runtime_error(fmt::format("cannot write {} ({} bytes)", path, bytes.size()));
  };
  for (int f = 1; f <= 5; ++f) {
    write(fmt::format("data_batch_{}.bin", f), make(f, (f - 1) * train_per_batch, train_per_batch));
  }
  write("test_batch.bin", make(0, 0, test));
}

void write_synthetic_cifar10(const std::string& dir, int64_t train_per_batch, int64_t test, uint64_t seed) {
  write_cifar10_files(dir, train_per_batch, test, [&](int file, int64_t first, int64_t count) {
    return synthetic_cifar_records(first, count, seed + uint64_t(file == 0 ? 99 : file));
  });
}

}  // namespace data
}  // namespace wrpn
