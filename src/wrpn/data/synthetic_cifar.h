// A generated, learnable CIFAR-10-format dataset for tests and for machines without CIFAR:
// class c is a colour (a c-dependent level per channel) with uniform pixel noise, written as
// the real binary files (data_batch_1..5.bin, test_batch.bin) so the real reader loads it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace wrpn {
namespace data {

/// Records [first, first + count) in CIFAR-10 binary form (1 label byte + 3072 pixels each);
/// record r has label r % 10.
std::vector<uint8_t> synthetic_cifar_records(int64_t first, int64_t count, uint64_t seed);

/// Writes five training batches of `train_per_batch` records and a test batch of `test`
/// records into `dir` (created if missing). Throws naming the file on a write error.
/// Makes the records of one file: `file` is 1..5 for data_batch_<file>.bin, 0 for the test batch.
using CifarRecordMaker = std::function<std::vector<uint8_t>(int file, int64_t first, int64_t count)>;

/// Writes data_batch_1..5.bin (`train_per_batch` records each, file f holding records
/// [(f-1) * train_per_batch, f * train_per_batch)) and test_batch.bin (`test` records) into
/// `dir`, created if missing. Throws naming the file on a write error.
void write_cifar10_files(const std::string& dir, int64_t train_per_batch, int64_t test, const CifarRecordMaker& make);

void write_synthetic_cifar10(const std::string& dir, int64_t train_per_batch, int64_t test, uint64_t seed);

}  // namespace data
}  // namespace wrpn
