// wrpn bench memory: peak training memory and step time, activations saved as packed k-bit
// codes against floats, toggled between interleaved rounds in one process.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace wrpn {
namespace cli {

/// Registers `bench memory` under `bench`; pushes a runner that returns -1 unless it was chosen.
void add_memory_bench(CLI::App* bench, std::vector<std::function<int()>>& runs);

}  // namespace cli
}  // namespace wrpn
