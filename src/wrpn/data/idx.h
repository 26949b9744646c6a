// The IDX file format of MNIST and Fashion-MNIST, raw or gzip-compressed.
//   bytes 0-1: zero; byte 2: element type (0x08 = unsigned byte); byte 3: number of dims;
//   then one big-endian uint32 per dim; then the elements, row-major.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wrpn {
namespace data {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;
};

/// Reads an IDX file of unsigned bytes with `expected_dims` dimensions (raw or .gz).
/// Throws std::runtime_error naming the file and the offending value when the file is
/// missing, has a bad magic, the wrong number of dims, is truncated or has trailing bytes.
IdxArray read_idx(const std::string& path, int expected_dims);

}  // namespace data
}  // namespace wrpn
