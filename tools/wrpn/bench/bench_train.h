// wrpn bench train: training images/s of WRPN k-bit networks against full precision at the
// same width, measured in the same run (interleaved rounds, median of rounds).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace wrpn {
namespace cli {

/// Registers `bench train` under `bench`; pushes a runner that returns -1 unless it was chosen.
void add_train_bench(CLI::App* bench, std::vector<std::function<int()>>& runs);

}  // namespace cli
}  // namespace wrpn
