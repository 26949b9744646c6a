// libFuzzer target for the check a training checkpoint passes before LibTorch reads it
// (train/checkpoint_archive.cpp: the zip's end record, central directory, local records, sizes
// and CRC-32): any bytes must pass or be refused with a std::runtime_error naming the file; no
// other exception, crash, sanitizer report, or allocation the file's numbers ask for. LibTorch
// itself is not in this target (it is not instrumented); the seeds and reproducers are LibTorch
// archives. Built and run by scripts/fuzz.sh checkpoint.
#include <cstdint>
#include <stdexcept>

#include "wrpn/train/checkpoint_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    wrpn::train::check_checkpoint_archive(data, size, "fuzz.pt");
  } catch (const std::runtime_error&) {
  }
  return 0;
}
