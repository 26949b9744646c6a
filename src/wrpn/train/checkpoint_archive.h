// The structure of a checkpoint file, checked before LibTorch reads it. A checkpoint is a
// LibTorch archive: a zip of stored (and a few deflated) records. LibTorch 1.13 does not check
// the records' CRC-32 and compiles the TorchScript source the archive carries, and a corrupted
// source can crash it (SIGSEGV: 2 of 3,000 randomly mutated checkpoints, docs/RELIABILITY.md
// "Fuzzing"). So every record's bounds, sizes and CRC-32 are checked here first, without
// LibTorch and without an allocation the file's own numbers ask for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace wrpn {
namespace train {

/// Throws std::runtime_error "checkpoint <name> is corrupt or not a LibTorch archive (<size>
/// bytes)", followed by ": <what is wrong>" for a zip, unless `data` is a zip whose end record,
/// central directory and every local record (name, stored or deflated data, sizes, CRC-32) are
/// consistent and inside the file. Zip64 records are followed.
void check_checkpoint_archive(const uint8_t* data, size_t size, const std::string& name);

/// The same for a file, read through a read-only mapping.
void check_checkpoint_file(const std::string& path);

}  // namespace train
}  // namespace wrpn
