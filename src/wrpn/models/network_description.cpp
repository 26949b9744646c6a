#include "wrpn/models/network_description.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

#include "wrpn/quant/bits.h"

namespace wrpn {
namespace models {
namespace {

// Each block type and the keys it takes (the first ones listed are required).
struct BlockType {
  std::vector<std::string> required, optional;
};

const std::map<std::string, BlockType>& block_types() {
  static const std::map<std::string, BlockType> types = {
      {"conv", {{"channels"}, {"kernel", "stride", "padding", "weight_bits"}}},
      {"residual", {{"channels"}, {"stride"}}},
      {"max_pool", {{"kernel"}, {"stride", "padding"}}},
      {"global_avg_pool", {{}, {}}},
      {"flatten", {{}, {}}},
      {"linear", {{"features"}, {"weight_bits"}}},
  };
  return types;
}

std::string known_types() {
  std::vector<std::string> names;
  for (const auto& [name, type] : block_types()) names.push_back(name);
  return fmt::format("{}", fmt::join(names, ", "));
}

// The range of an integer key. The value is compared as JSON holds it (signed or unsigned), so
// 2^64 - 1 is refused as itself, not as the -1 or the 32-bit 1 it would narrow to.
void check_value(const std::string& key, const nlohmann::json& value, size_t index, const std::string& type) {
  const auto fail = [&](const std::string& rule) {
    throw std::invalid_argument(
        fmt::format("block {} ({}): \"{}\" must be {}, got {}", index, type, key, rule, value.dump()));
  };
  if (!value.is_number_integer()) fail("an integer");
  const bool negative = value.is_number_unsigned() ? false : value.get<int64_t>() < 0;
  const uint64_t v = negative ? 0 : value.get<uint64_t>();
  if (key == "weight_bits") {
    if (negative || v > uint64_t(quant::kFullPrecision) || !quant::is_valid_bits(int(v))) fail("1..8 or 32");
    return;
  }
  const int64_t minimum = key == "padding" ? 0 : 1;
  const int64_t maximum = key == "channels" || key == "features" ? kMaxBlockChannels : kMaxBlockWindow;
  if (negative || v < uint64_t(minimum)) fail(fmt::format(">= {}", minimum));
  if (v > uint64_t(maximum)) fail(fmt::format("<= {}", maximum));
}

// Throws naming the block when its type, keys or values are wrong.
void check_block(const nlohmann::json& block, size_t index) {
  if (!block.is_object() || !block.contains("type") || !block["type"].is_string()) {
    throw std::invalid_argument(fmt::format("block {}: needs a \"type\" ({})", index, known_types()));
  }
  const std::string type = block["type"];
  const auto found = block_types().find(type);
  if (found == block_types().end()) {
    throw std::invalid_argument(fmt::format("block {}: unknown type '{}' (known: {})", index, type, known_types()));
  }
  std::set<std::string> allowed = {"type"};
  for (const auto& k : found->second.required) allowed.insert(k);
  for (const auto& k : found->second.optional) allowed.insert(k);
  for (const auto& item : block.items()) {
    if (!allowed.count(item.key())) {
      throw std::invalid_argument(fmt::format("block {} ({}): unknown key \"{}\" (takes: {})", index, type, item.key(),
                                              fmt::join(allowed, ", ")));
    }
    if (item.key() != "type") check_value(item.key(), item.value(), index, type);
  }
  for (const auto& k : found->second.required) {
    if (!block.contains(k)) throw std::invalid_argument(fmt::format("block {} ({}): needs \"{}\"", index, type, k));
  }
}

}  // namespace

nlohmann::json read_network_file(const std::string& path) {
  // Not a FIFO or a device: a read that blocks forever, or a directory read as "not JSON".
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw std::invalid_argument(fmt::format("network description {}: {}", path,
                                            std::filesystem::exists(path, ec) ? "is not a regular file"
                                                                              : "does not exist"));
  }
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(fmt::format("network description {}: cannot be read", path));
  nlohmann::json d;
  try {
    d = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // also out_of_range: a number like 9999e1049
    throw std::invalid_argument(fmt::format("network description {}: not JSON ({})", path, e.what()));
  }
  try {
    check_description(d);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("network description {}: {}", path, e.what()));
  }
  return d;
}

void check_description(const nlohmann::json& d) {
  if (!d.is_object() || !d.contains("blocks") || !d["blocks"].is_array() || d["blocks"].empty()) {
    throw std::invalid_argument("needs an object with a non-empty \"blocks\" list");
  }
  for (const auto& item : d.items()) {
    if (item.key() != "name" && item.key() != "blocks") {
      throw std::invalid_argument(fmt::format("unknown key \"{}\" (takes: name, blocks)", item.key()));
    }
  }
  if (d.contains("name") && (!d["name"].is_string() || d["name"].get<std::string>().empty())) {
    throw std::invalid_argument("\"name\" must be a non-empty string");
  }
  for (size_t i = 0; i < d["blocks"].size(); ++i) check_block(d["blocks"][i], i + 1);
}

std::string network_name(const nlohmann::json& d) { return d.value("name", std::string("network")); }

}  // namespace models
}  // namespace wrpn
