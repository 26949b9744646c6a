// Where a training step spends its time: LibTorch's own profiler over a few steps, folded into
// one row per op with its self time (time in the op minus the ops it called), so the rows add
// up to the profiled time. `wrpn bench train --profile` prints it per config.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace wrpn {
namespace cli {

struct OpTime {
  std::string name;    ///< the op or autograd node ("aten::native_batch_norm", "MaxPool2DWithIndicesBackward0")
  double self_ms = 0;  ///< summed over the profiled calls, divided by their count
  int64_t calls = 0;   ///< per profiled call of `run`
};

/// Runs `run()` `repeats` times under the profiler; the ops by self time, largest first, in
/// milliseconds per call of `run`.
std::vector<OpTime> profile_ops(const std::function<void()>& run, int64_t repeats);

/// The table: the `top` largest rows, their share of the total, and the rest in one row.
std::string op_profile_table(const std::vector<OpTime>& ops, size_t top);

}  // namespace cli
}  // namespace wrpn
