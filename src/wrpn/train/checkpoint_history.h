// The last K checkpoints of a run folder: checkpoint.pt is always the newest; beside it
// checkpoint-step<N>.pt for the K newest steps (K > 1), older ones deleted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wrpn {
namespace train {

/// Keeps `checkpoint` (just written) also as checkpoint-step<global_step>.pt in its folder, a
/// hard link (no second copy on disk) or, where links fail, a copy; then deletes the history
/// files beyond the newest `keep`. keep <= 1: no history. Throws std::runtime_error naming the
/// file and the system error.
void keep_checkpoint_history(const std::string& checkpoint, int64_t global_step, int64_t keep);

/// The history files of a run folder, oldest first.
std::vector<std::string> checkpoint_history(const std::string& run_folder);

}  // namespace train
}  // namespace wrpn
