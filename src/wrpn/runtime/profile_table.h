// A runtime profile (Runtime::set_profiling / profile) as a plain-text table: one row per
// node (its op, kernel, microseconds per image, share of the total), then the share per op.
// `wrpn bench infer --profile` and `wrpn-run --profile` print it.
#pragma once

#include <string>
#include <vector>

#include "wrpn/runtime/runtime.h"

namespace wrpn::runtime {

std::string profile_table(const std::vector<NodeProfile>& profile);

}  // namespace wrpn::runtime
