// A path given as an input file, checked before it is opened: a directory, FIFO, device,
// socket, symlink loop, missing or unreadable file each get one message naming the path and
// what it is (not a bad_alloc from a directory's "size", nor a read that blocks on a FIFO).
// In the runtime, below every reader of files (models, datasets, images, configs).
#pragma once

#include <string>

namespace wrpn {
namespace runtime {

/// Throws std::runtime_error "<what> <path> is a directory" (or a FIFO, a device, ...)
/// unless `path` is, or links to, a readable regular file.
void require_readable_file(const std::string& path, const std::string& what);

}  // namespace runtime
}  // namespace wrpn
