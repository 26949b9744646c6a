// Per-operation energies, in picojoules, for the energy model (energy.h). The defaults are
// Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, 45 nm,
// 0.9 V; `--energy-table FILE` overrides any of them from a JSON object of the same keys.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace wrpn {
namespace measure {

/// One energy per operation, in picojoules (Horowitz ISSCC 2014, 45 nm, 0.9 V by default).
struct EnergyTable {
  double int8_add = 0.03;
  double int32_add = 0.1;
  double fp16_add = 0.4;
  double fp32_add = 0.9;
  double int8_mult = 0.2;
  double int32_mult = 3.1;
  double fp16_mult = 1.1;
  double fp32_mult = 3.7;
  double sram_8kb_read = 10;   // one 64-bit word from an 8 KB SRAM
  double sram_32kb_read = 20;  // one 64-bit word from a 32 KB SRAM
  double sram_1mb_read = 100;  // one 64-bit word from a 1 MB SRAM
  // Horowitz gives 1.3-2.6 nJ per 64-bit DRAM access; the low end, so that the savings of
  // packed low-precision traffic are not overstated.
  double dram_access = 1300;
};

/// The table's rows: JSON key, the member it sets, and what it prices (for docs and errors).
struct EnergyEntry {
  const char* key;
  double EnergyTable::*value;
  const char* what;
};
const std::vector<EnergyEntry>& energy_entries();

/// Horowitz's values overridden by the JSON object in `path` (any subset of the keys).
/// Throws std::runtime_error when the file cannot be read and std::invalid_argument on bad
/// JSON, an unknown key or a value that is not a positive finite number, naming the file, key
/// and value.
EnergyTable load_energy_table(const std::string& path);

/// Every entry as {key: picojoules}.
nlohmann::json energy_table_json(const EnergyTable& table);

}  // namespace measure
}  // namespace wrpn
