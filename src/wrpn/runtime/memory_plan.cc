#include "wrpn/runtime/memory_plan.h"

#include <algorithm>
#include <limits>

namespace wrpn::runtime {

size_t MemoryPlan::bytes_per_sample() const {
  size_t total = 0;
  for (size_t b : slot_bytes) total += b;
  return total;
}

size_t MemoryPlan::offset_of_slot(size_t slot, int batch) const {
  size_t offset = 0;
  for (size_t s = 0; s < slot; ++s) offset += slot_bytes[s] * size_t(batch);
  return offset;
}

MemoryPlan plan_memory(const ModelFile& model) {
  const size_t values = model.values.size();
  constexpr size_t kForever = std::numeric_limits<size_t>::max();
  std::vector<size_t> last_use(values, 0);
  for (size_t i = 0; i < model.nodes.size(); ++i)
    for (uint32_t v : model.nodes[i].inputs) last_use[v] = std::max(last_use[v], i);
  last_use[model.output] = kForever;

  MemoryPlan plan;
  plan.slot_of_value.assign(values, 0);
  std::vector<bool> slot_free;
  auto need = [&](uint32_t v) { return (model.values[v].bytes_per_sample() + 63) / 64 * 64; };
  auto allocate = [&](uint32_t v) {
    const size_t bytes = need(v);
    plan.naive_bytes_per_sample += bytes;
    size_t best = kForever;
    for (size_t s = 0; s < plan.slot_bytes.size(); ++s) {
      if (!slot_free[s]) continue;
      // Best fit among slots large enough; otherwise the largest free one, grown.
      const bool fits = plan.slot_bytes[s] >= bytes;
      if (best == kForever) {
        best = s;
      } else {
        const bool best_fits = plan.slot_bytes[best] >= bytes;
        if (fits && (!best_fits || plan.slot_bytes[s] < plan.slot_bytes[best])) best = s;
        if (!fits && !best_fits && plan.slot_bytes[s] > plan.slot_bytes[best]) best = s;
      }
    }
    if (best == kForever) {
      best = plan.slot_bytes.size();
      plan.slot_bytes.push_back(0);
      slot_free.push_back(true);
    }
    plan.slot_bytes[best] = std::max(plan.slot_bytes[best], bytes);
    slot_free[best] = false;
    plan.slot_of_value[v] = best;
  };
  allocate(0);
  for (size_t i = 0; i < model.nodes.size(); ++i) {
    const Node& n = model.nodes[i];
    allocate(n.output);  // before the inputs are released: an op never writes over what it reads
    for (uint32_t v : n.inputs) {
      if (last_use[v] == i) slot_free[plan.slot_of_value[v]] = true;
    }
    if (last_use[n.output] == 0 && n.output != model.output)
      slot_free[plan.slot_of_value[n.output]] = true;  // unused result
  }
  return plan;
}

}  // namespace wrpn::runtime
