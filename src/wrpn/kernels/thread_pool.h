// A small persistent thread pool: kernels split output tiles over threads, and
// spawning threads per call would cost more than a small layer's GEMM.
#pragma once

#include <functional>

namespace wrpn::kernels {

// Number of hardware threads (at least 1).
int hardware_threads();

// Runs fn(task) for task in [0, tasks) on up to `threads` threads (the caller is
// one of them; 0 means hardware_threads()). Returns when all tasks are done.
// The first exception thrown by a task is rethrown here. Calls are serialised.
void parallel_for(int tasks, int threads, const std::function<void(int)>& fn);

}  // namespace wrpn::kernels
