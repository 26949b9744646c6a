// wrpn bench loader: loader images/s per worker against the training images/s of a model at
// the same image size on this machine, and the workers that keep it fed.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace wrpn {
namespace cli {

/// Registers `bench loader` under `bench`; pushes a runner that returns -1 unless it was chosen.
void add_loader_bench(CLI::App* bench, std::vector<std::function<int()>>& runs);

}  // namespace cli
}  // namespace wrpn
