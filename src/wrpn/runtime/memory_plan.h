// Activation memory planned once per model: each value gets a slot, and a slot is reused as
// soon as every reader of its previous value has run (greedy, best fit).
#pragma once

#include <cstddef>
#include <vector>

#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime {

struct MemoryPlan {
  std::vector<size_t> slot_of_value;                    // value index -> slot
  std::vector<size_t> slot_bytes;                       // per sample, each a multiple of 64
  size_t bytes_per_sample() const;                      // sum of slot_bytes
  size_t offset_of_slot(size_t slot, int batch) const;  // slots laid out back to back for `batch` samples
  size_t naive_bytes_per_sample = 0;                    // every value in its own buffer, for comparison
};

MemoryPlan plan_memory(const ModelFile& model);

}  // namespace wrpn::runtime
