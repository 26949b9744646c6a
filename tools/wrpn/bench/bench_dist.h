// wrpn bench dist: data-parallel training throughput, 1 process x T threads against
// N processes x T/N threads, the all-reduce cost per step, and a scaling projection.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace wrpn {
namespace cli {

/// Adds `bench dist`; its run returns -1 when the subcommand was not chosen.
void add_dist_bench(CLI::App* bench, std::vector<std::function<int()>>& runs);

}  // namespace cli
}  // namespace wrpn
