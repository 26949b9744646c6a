// The one list of models, by name: the CLI, `wrpn info` and the tests all build from here.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wrpn/models/model_spec.h"

namespace wrpn {
namespace models {

/// The images a model is made for: what commands without a dataset (`info`, `cost`, `bench`)
/// assume unless told otherwise. Training takes its dataset's shape instead.
struct NativeInput {
  int64_t channels = 1, size = 28, classes = 10;  // Fashion-MNIST
};

struct ModelEntry {
  std::string name;
  std::string description;
  std::function<std::shared_ptr<Network>(const ModelSpec&)> build;
  NativeInput native;
};

/// The registered model's native input; Fashion-MNIST's for a network of one's own.
NativeInput native_input(const std::string& model);

/// Sets spec's channels, input size and classes to its model's native input.
void use_native_input(ModelSpec& spec);

/// Every registered model.
const std::vector<ModelEntry>& model_registry();

/// Registered names, in registry order.
std::vector<std::string> model_names();

/// Validates the spec and builds the model; throws std::invalid_argument for an unknown name
/// (listing the known ones) or an out-of-range field.
std::shared_ptr<Network> build_model(const ModelSpec& spec);

/// A network of the caller's own class, built by `build` (which calls prepare_network), with
/// what build_model adds: the stage_width rules checked against the stages it widened
/// (ModelSpec::wide) and the layer_bits rules applied.
std::shared_ptr<Network> build_own_network(const ModelSpec& spec,
                                           const std::function<std::shared_ptr<Network>(const ModelSpec&)>& build);

/// The stages a stage_width rule can name (stage_width.h): the names the model's builder widens,
/// in build order (vgg_small: stage1, stage2, stage3).
std::vector<std::string> width_stages(const ModelSpec& spec);

/// What build_model does to every network it builds, for a network built elsewhere (a user's
/// own class): batch-norm scales placed for the activation clip, and the description walked
/// once, so that a layer that is not a wrpn block or whose shapes do not fit throws
/// nn::DescribeError naming it now rather than at export.
void prepare_network(Network& model, const ModelSpec& spec);

}  // namespace models
}  // namespace wrpn
