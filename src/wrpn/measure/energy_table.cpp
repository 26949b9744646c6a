#include "wrpn/measure/energy_table.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <stdexcept>

namespace wrpn {
namespace measure {

const std::vector<EnergyEntry>& energy_entries() {
  static const std::vector<EnergyEntry> entries = {
      {"int8_add", &EnergyTable::int8_add, "8-bit integer add"},
      {"int32_add", &EnergyTable::int32_add, "32-bit integer add (the integer MAC's accumulate)"},
      {"fp16_add", &EnergyTable::fp16_add, "16-bit float add (not used by the model)"},
      {"fp32_add", &EnergyTable::fp32_add, "32-bit float add"},
      {"int8_mult", &EnergyTable::int8_mult, "8-bit integer multiply (scaled for k-bit operands)"},
      {"int32_mult", &EnergyTable::int32_mult, "32-bit integer multiply (not used by the model)"},
      {"fp16_mult", &EnergyTable::fp16_mult, "16-bit float multiply (not used by the model)"},
      {"fp32_mult", &EnergyTable::fp32_mult, "32-bit float multiply"},
      {"sram_8kb_read", &EnergyTable::sram_8kb_read, "64-bit read or write, 8 KB SRAM"},
      {"sram_32kb_read", &EnergyTable::sram_32kb_read, "64-bit read or write, 32 KB SRAM"},
      {"sram_1mb_read", &EnergyTable::sram_1mb_read, "64-bit read or write, 1 MB SRAM"},
      {"dram_access", &EnergyTable::dram_access, "64-bit DRAM read or write (Horowitz: 1300-2600)"},
  };
  return entries;
}

EnergyTable load_energy_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("energy table {}: cannot open", path));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number too large for a double
    throw std::invalid_argument(fmt::format("energy table {}: not valid JSON ({})", path, e.what()));
  }
  if (!j.is_object()) {
    throw std::invalid_argument(fmt::format("energy table {}: not a JSON object of picojoules per operation", path));
  }
  EnergyTable table;
  for (const auto& [key, value] : j.items()) {
    const EnergyEntry* entry = nullptr;
    for (const auto& e : energy_entries()) {
      if (key == e.key) entry = &e;
    }
    if (entry == nullptr) {
      std::vector<std::string> known;
      for (const auto& e : energy_entries()) known.emplace_back(e.key);
      throw std::invalid_argument(
          fmt::format("energy table {}: unknown key '{}' (known: {})", path, key, fmt::join(known, ", ")));
    }
    // An energy of zero or less would make a cost vanish or turn into a saving.
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() <= 0) {
      const std::string shown = value.is_number() ? fmt::format("{}", value.get<double>()) : value.dump();
      throw std::invalid_argument(fmt::format(
          "energy table {}: '{}' must be a positive finite number of picojoules, got {}", path, key, shown));
    }
    table.*(entry->value) = value.get<double>();
  }
  return table;
}

nlohmann::json energy_table_json(const EnergyTable& table) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& e : energy_entries()) j[e.key] = table.*(e.value);
  return j;
}

}  // namespace measure
}  // namespace wrpn
