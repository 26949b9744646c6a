// The measured half of `wrpn search`'s speed budget (--min-speedup): each candidate's network,
// exported untrained (the packed kernels' speed does not depend on the weights' values), runs on
// this CPU's runtime against the 1x FP32 network in LibTorch, 1 thread, batch 64. The figures are
// kept in the search folder's speeds.json, so that a resumed search decides as the first did.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "wrpn/measure/search.h"

namespace wrpn {
namespace cli {

/// Speedups (runtime images/s over 1x FP32 LibTorch's) of the candidates `ids` of `all`: those
/// already in `folder`/speeds.json, the others measured now and added to it.
std::map<std::string, double> measured_speedups(const std::vector<measure::Candidate>& all,
                                                const std::vector<std::string>& ids, const models::ModelSpec& base,
                                                const std::string& folder);

}  // namespace cli
}  // namespace wrpn
