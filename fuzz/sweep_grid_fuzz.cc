// libFuzzer target for the sweep grid JSON (`wrpn sweep --grid`): read_sweep_grid, validate()
// and expand(). Any bytes must be accepted or refused with a std::invalid_argument naming the
// key and value; an accepted grid expands into a bounded number of runs, each with a folder of
// its own. Links the training library (LibTorch): built and run by scripts/fuzz.sh sweep_grid.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <stdexcept>

#include "wrpn/measure/sweep_grid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wrpn::measure;
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  SweepGrid g;
  try {
    g = read_sweep_grid(j, "fuzz.json");
    g.validate();
  } catch (const std::invalid_argument&) {
    return 0;
  }
  const auto runs = expand(g, "sweep");
  if (runs.size() > size_t(kMaxSweepRuns)) __builtin_trap();
  std::set<std::string> folders;
  for (const auto& r : runs) {
    if (!folders.insert(r.config.out).second) __builtin_trap();  // two runs, one folder
    r.config.validate();
  }
  return 0;
}
