// A generated, learnable CIFAR-10-format dataset for tests and for machines without CIFAR:
// class c is a colour (a c-dependent level per channel) with uniform pixel noise, written as
// the real binary files (data_batch_1..5.bin, test_batch.bin) so the real reader loads it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wrpn {
namespace data {

/// Records [first, first + count) in CIFAR-10 binary form (1 label byte + 3072 pixels each);
/// record r has label r % 10.
std::vector<uint8_t> synthetic_cifar_records(int64_t first, int64_t count, uint64_t seed);

/// Writes five training batches of `train_per_batch` records and a test batch of `test`
/// records into `dir` (created if missing). Throws naming the file on a write error.
void write_synthetic_cifar10(const std::string& dir, int64_t train_per_batch, int64_t test, uint64_t seed);

}  // namespace data
}  // namespace wrpn
