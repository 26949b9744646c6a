// libFuzzer target for the JSON training config (`wrpn train --config`): apply_json and
// validate() over the field table (train/config_schema.cpp). Any bytes must be accepted or
// refused with a std::invalid_argument naming the key and value; an accepted config keeps
// every number as the JSON gave it (no silent narrowing) and survives its own round trip.
// Links the training library (LibTorch): built and run by scripts/fuzz.sh train_config.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>

#include "wrpn/train/train_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wrpn::train;
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  TrainConfig c;
  try {
    apply_json(c, j, "fuzz.json");
    c.validate();
  } catch (const std::invalid_argument&) {
    return 0;
  }
  const nlohmann::json saved = to_json(c);
  for (const auto& [key, value] : j.items()) {
    // A number means what it says: 4294967297 workers is not 1, -1 is not seed 2^64 - 1.
    if (value.is_number() && saved.contains(key) && saved[key] != value) __builtin_trap();
  }
  TrainConfig again;
  apply_json(again, saved, "round trip");  // what a run saves, it reads back
  again.validate();
  if (to_json(again) != saved) __builtin_trap();
  return 0;
}
