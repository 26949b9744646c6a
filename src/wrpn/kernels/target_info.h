// Which Highway target the dispatched kernels run on, and a switch to force one
// (tests run every compiled target; benchmarks compare AVX2 with the best).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wrpn::kernels {

// Name of the target HWY_DYNAMIC_DISPATCH picks now, e.g. "AVX2", "AVX3_DL", "SCALAR".
std::string active_target_name();

// True when the dispatched target has AVX-512 VNNI (Highway's AVX3_DL).
bool active_target_has_vnni();

// Targets compiled into the library that this CPU can run, best first.
std::vector<int64_t> runnable_targets();
std::string target_name(int64_t target);

// Restrict dispatch to `target` (0 restores the CPU's full set). Not thread-safe:
// call it before starting kernels, as tests and benchmarks do.
void force_target(int64_t target);

}  // namespace wrpn::kernels
