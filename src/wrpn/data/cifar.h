// CIFAR-10 and CIFAR-100 in their binary form (https://www.cs.toronto.edu/~kriz/cifar.html):
// records of label byte(s) + 3072 pixel bytes (1024 red, 1024 green, 1024 blue, row-major).
//   CIFAR-10:  data_batch_1.bin .. data_batch_5.bin, test_batch.bin; 1 label byte (0..9).
//   CIFAR-100: train.bin, test.bin; a coarse (0..19) then a fine (0..99) label byte; the fine
//              label is the class.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "wrpn/data/dataset.h"
#include "wrpn/data/mnist.h"

namespace wrpn {
namespace data {

constexpr int64_t kCifarImageBytes = 3 * 32 * 32;

/// Appends the records of one CIFAR binary file to `pixels` and `labels`. `label_bytes` is 1
/// (CIFAR-10) or 2 (CIFAR-100, the last byte is the class). Throws std::runtime_error naming
/// the file when it is missing, empty, ends in a truncated record or has a label >= classes.
void read_cifar_file(const std::string& path, int label_bytes, int64_t classes, std::vector<uint8_t>& pixels,
                     std::vector<int64_t>& labels);

/// Loads a split of "cifar10" or "cifar100" from `dir`, or from the archive's own sub-folder
/// of it (cifar-10-batches-bin, cifar-100-binary) when the files are there.
std::shared_ptr<InMemoryDataset> load_cifar(const std::string& dir, Split split, const std::string& variant);

}  // namespace data
}  // namespace wrpn
