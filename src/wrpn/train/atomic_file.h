// Writes a file so that readers see either the old content or the complete new one, never a
// torn write: temp file in the same folder, fsync, rename, fsync of the folder
// (runtime/atomic_file.h, which .wrpn exports share).
#pragma once

#include <string>

namespace wrpn {
namespace train {

/// Throws std::runtime_error naming the path and the system error (e.g. "cannot write
/// run/checkpoint.pt (1843200 bytes): No space left on device") on failure; the temp file is
/// removed and the previous file at `path` is left untouched.
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace train
}  // namespace wrpn
