// Writes a file so that readers see either the old content or the complete new one, never a
// torn write: temp file in the same folder, fsync, rename, fsync of the folder.
#pragma once

#include <string>

namespace wrpn {
namespace train {

/// Throws std::runtime_error naming the path and the system error (e.g. "No space left on
/// device") on failure; the previous file at `path` is then left untouched.
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace train
}  // namespace wrpn
