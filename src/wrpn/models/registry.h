// The one list of models, by name: the CLI, `wrpn info` and the tests all build from here.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wrpn/models/model_spec.h"

namespace wrpn {
namespace models {

struct ModelEntry {
  std::string name;
  std::string description;
  std::function<std::shared_ptr<Network>(const ModelSpec&)> build;
};

/// Every registered model.
const std::vector<ModelEntry>& model_registry();

/// Registered names, in registry order.
std::vector<std::string> model_names();

/// Validates the spec and builds the model; throws std::invalid_argument for an unknown name
/// (listing the known ones) or an out-of-range field.
std::shared_ptr<Network> build_model(const ModelSpec& spec);

/// What build_model does to every network it builds, for a network built elsewhere (a user's
/// own class): batch-norm scales placed for the activation clip, and the description walked
/// once, so that a layer that is not a wrpn block or whose shapes do not fit throws
/// nn::DescribeError naming it now rather than at export.
void prepare_network(Network& model, const ModelSpec& spec);

}  // namespace models
}  // namespace wrpn
