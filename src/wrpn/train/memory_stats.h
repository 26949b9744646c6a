// Tensor memory statistics on the CPU: a counting wrapper around LibTorch's CPU allocator.
// Counts every CPU tensor storage (activations, weights, gradients, optimiser state), not
// oneDNN's internal scratch buffers nor the process's code and libraries.
#pragma once

#include <cstdint>

namespace wrpn {
namespace train {

/// Installs the counting allocator (once per process; later calls do nothing).
void install_memory_stats();
/// Bytes of CPU tensor storage alive now (0 before install).
int64_t current_tensor_bytes();
/// Largest current_tensor_bytes() since the last reset.
int64_t peak_tensor_bytes();
/// Starts a new peak from the current level.
void reset_peak_tensor_bytes();

}  // namespace train
}  // namespace wrpn
