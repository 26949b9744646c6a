#include "wrpn/train/atomic_file.h"

#include "wrpn/runtime/atomic_file.h"

namespace wrpn {
namespace train {

void write_file_atomically(const std::string& path, const std::string& bytes) {
  runtime::write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace train
}  // namespace wrpn
