// A network of your own without compiling anything: `wrpn train --network net.json`. The file
// is a list of blocks; each is one of wrpn's public blocks (models/blocks/), built with the
// run's width, bits and first/last-layer rules, and the classifier is appended. The format is
// in docs/MODELS.md ("Your own network").
//
//   {"name": "tiny", "blocks": [
//     {"type": "conv", "channels": 16, "kernel": 3, "padding": 1},
//     {"type": "max_pool", "kernel": 2},
//     {"type": "residual", "channels": 32, "stride": 2},
//     {"type": "global_avg_pool"},
//     {"type": "linear", "features": 64}]}
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "wrpn/models/model_spec.h"

namespace wrpn {
namespace models {

/// Reads and checks a description file; throws std::invalid_argument naming the file and the
/// first block, key or value that is wrong.
nlohmann::json read_network_file(const std::string& path);

/// Throws std::invalid_argument naming the first block, key or value that is wrong.
void check_description(const nlohmann::json& description);

/// The description's "name" ("network" when it has none).
std::string network_name(const nlohmann::json& description);

/// Builds spec.network with spec's width, bits, input and classes. Throws
/// std::invalid_argument naming the block ("block 3 (conv)") and what is wrong with it.
std::shared_ptr<Network> build_network(const ModelSpec& spec);

}  // namespace models
}  // namespace wrpn
