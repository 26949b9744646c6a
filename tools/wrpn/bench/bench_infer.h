// wrpn bench infer: images/s of the packed low-bit runtime against LibTorch FP32 (oneDNN).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace wrpn {
namespace cli {

/// Registers `bench infer` under `bench`; pushes a runner that returns -1 unless it was chosen.
void add_infer_bench(CLI::App* bench, std::vector<std::function<int()>>& runs);

}  // namespace cli
}  // namespace wrpn
