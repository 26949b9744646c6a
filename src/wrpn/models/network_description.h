// The JSON description of a network of your own (`wrpn train --network net.json`), checked
// without LibTorch: every block's type, keys and values, before network_json.cpp builds it.
// The format is in docs/MODELS.md ("Your own network"):
//
//   {"name": "tiny", "blocks": [
//     {"type": "conv", "channels": 16, "kernel": 3, "padding": 1},
//     {"type": "max_pool", "kernel": 2},
//     {"type": "residual", "channels": 32, "stride": 2},
//     {"type": "global_avg_pool"},
//     {"type": "linear", "features": 64}]}
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace wrpn {
namespace models {

/// The largest "channels" or "features" a block may ask for (before widening).
constexpr int64_t kMaxBlockChannels = int64_t{1} << 20;
/// The largest "kernel", "stride" or "padding".
constexpr int64_t kMaxBlockWindow = 4096;

/// Reads and checks a description file; throws std::invalid_argument naming the file and the
/// first block, key or value that is wrong (also when the path is not a readable regular file).
nlohmann::json read_network_file(const std::string& path);

/// Throws std::invalid_argument naming the first block, key or value that is wrong: a type or
/// key that does not exist, a value that is not an integer or is outside its range (channels
/// and features 1..kMaxBlockChannels, kernel and stride 1..kMaxBlockWindow, padding
/// 0..kMaxBlockWindow, weight bits 1..8 or 32), so that a builder can trust every value.
void check_description(const nlohmann::json& description);

/// The description's "name" ("network" when it has none).
std::string network_name(const nlohmann::json& description);

}  // namespace models
}  // namespace wrpn
