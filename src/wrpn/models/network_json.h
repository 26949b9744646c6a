// A network of your own without compiling anything: `wrpn train --network net.json`. The file
// is a list of blocks; each is one of wrpn's public blocks (models/blocks/), built with the
// run's width, bits and first/last-layer rules, and the classifier is appended. The format is
// in docs/MODELS.md ("Your own network"); network_description.h checks it without LibTorch.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "wrpn/models/model_spec.h"
#include "wrpn/models/network_description.h"

namespace wrpn {
namespace models {

/// Builds spec.network with spec's width, bits, input and classes. Throws
/// std::invalid_argument naming the block ("block 3 (conv)") and what is wrong with it.
std::shared_ptr<Network> build_network(const ModelSpec& spec);

}  // namespace models
}  // namespace wrpn
