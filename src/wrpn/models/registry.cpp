#include "wrpn/models/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

#include "wrpn/models/lenet5.h"
#include "wrpn/models/vgg_small.h"

namespace wrpn {
namespace models {
namespace {

template <typename Model>
ModelEntry entry(std::string name, std::string description) {
  return {std::move(name), std::move(description),
          [](const ModelSpec& spec) { return std::make_shared<Model>(spec); }};
}

}  // namespace

const std::vector<ModelEntry>& model_registry() {
  static const std::vector<ModelEntry> registry = {
      entry<LeNet5>("lenet5", "LeNet-5 with batch norm (28x28 or larger inputs)"),
      entry<VggSmall>("vgg_small", "5-conv VGG-style net with batch norm and global pooling"),
  };
  return registry;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& e : model_registry()) names.push_back(e.name);
  return names;
}

std::shared_ptr<Network> build_model(const ModelSpec& spec) {
  spec.validate();
  for (const auto& e : model_registry()) {
    if (e.name == spec.name) return e.build(spec);
  }
  throw std::invalid_argument(fmt::format("unknown model '{}' (known: {})", spec.name,
                                          fmt::join(model_names(), ", ")));
}

}  // namespace models
}  // namespace wrpn
