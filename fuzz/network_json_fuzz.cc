// libFuzzer target for the JSON network description (`wrpn train --network`), the LibTorch-free
// check (models/network_description.cpp) every builder trusts: any bytes must be accepted or
// refused with a std::invalid_argument naming the block, key or value; an accepted description
// holds only values inside the documented ranges. Built and run by scripts/fuzz.sh network_json.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>

#include "temp_input.h"
#include "wrpn/models/network_description.h"

namespace {

// What check_description promises the builder about an accepted description.
void check_trusted(const nlohmann::json& d) {
  using namespace wrpn::models;
  if (network_name(d).empty()) __builtin_trap();
  for (const auto& block : d.at("blocks")) {
    for (const auto& [key, value] : block.items()) {
      if (key == "type") continue;
      const int64_t v = value.get<int64_t>();
      const bool channels = key == "channels" || key == "features";
      const int64_t hi = key == "weight_bits" ? 32 : channels ? kMaxBlockChannels : kMaxBlockWindow;
      if (v < (key == "padding" ? 0 : 1) || v > hi || !value.is_number_integer()) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wrpn::models;
  const nlohmann::json d = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (!d.is_discarded()) {
    try {
      check_description(d);
      check_trusted(d);
    } catch (const std::invalid_argument&) {
    }
  }
  // The same bytes as a --network file (not JSON is one more refusal, naming the file).
  static const wrpn::fuzz::TempFolder folder("network_json");
  const std::string path = folder.write("net.json", data, size);
  try {
    check_trusted(read_network_file(path));
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
