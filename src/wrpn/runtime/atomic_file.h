// Writes a file so that readers see either the old content or the complete new one, never a
// torn write: a temp file beside it, fsync, rename, fsync of the folder. The one writer of the
// files wrpn produces: .wrpn models here, checkpoints, configs and summaries through
// train/atomic_file.h.
#pragma once

#include <cstddef>
#include <string>

namespace wrpn::runtime {

/// Throws std::runtime_error on failure, naming the file and the system's reason, e.g.
/// "cannot write runs/a/checkpoint.pt (1843200 bytes): No space left on device"; the temp file
/// (`path` + ".tmp") is then removed and the previous file at `path` is left as it was.
void write_file_atomically(const std::string& path, const void* data, size_t size);

}  // namespace wrpn::runtime
