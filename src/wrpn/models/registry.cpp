#include "wrpn/models/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

#include "wrpn/models/alexnet_bn.h"
#include "wrpn/models/cifar_resnet.h"
#include "wrpn/models/inception_bn.h"
#include "wrpn/models/lenet5.h"
#include "wrpn/models/mlp.h"
#include "wrpn/models/network_json.h"
#include "wrpn/models/resnet.h"
#include "wrpn/models/summary.h"
#include "wrpn/models/vgg_small.h"
#include "wrpn/quant/activation_range.h"
#include "wrpn/quant/bits.h"

namespace wrpn {
namespace models {
namespace {

template <typename Model>
ModelEntry entry(std::string name, std::string description) {
  return {std::move(name), std::move(description),
          [](const ModelSpec& spec) { return std::make_shared<Model>(spec); }};
}

ModelEntry entry(std::string name, std::string description,
                 std::shared_ptr<Network> (*make)(const ModelSpec&)) {
  return {std::move(name), std::move(description), make};
}

}  // namespace

const std::vector<ModelEntry>& model_registry() {
  static const std::vector<ModelEntry> registry = {
      entry<LeNet5>("lenet5", "LeNet-5 with batch norm (28x28 or larger inputs)"),
      entry<VggSmall>("vgg_small", "5-conv VGG-style net with batch norm and global pooling"),
      entry<AlexNetBn>("alexnet_bn", "AlexNet with batch norm, ImageNet (63x63 or larger inputs)"),
      entry("resnet18", "ResNet-18, ImageNet form (basic blocks 2-2-2-2)", make_resnet18),
      entry("resnet34", "ResNet-34, ImageNet form (basic blocks 3-4-6-3)", make_resnet34),
      entry("resnet50", "ResNet-50, ImageNet form (bottlenecks 3-4-6-3, stride on the 3x3)",
            make_resnet50),
      entry<InceptionBn>("inception_bn", "Inception with batch norm (BN-Inception), ImageNet"),
      entry("resnet20", "ResNet-20, CIFAR form (option A shortcuts)", make_resnet20),
      entry("resnet32", "ResNet-32, CIFAR form (option A shortcuts)", make_resnet32),
      entry("resnet56", "ResNet-56, CIFAR form (option A shortcuts)", make_resnet56),
      entry("preact_resnet20", "pre-activation ResNet-20, CIFAR form (option A shortcuts)",
            make_preact_resnet20),
      entry<Mlp>("mlp", "3-layer perceptron without batch norm (the data-parallel equivalence test)"),
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
  std::shared_ptr<Network> model;
  if (!spec.network.is_null()) {
    model = build_network(spec);
  } else {
    for (const auto& e : model_registry()) {
      if (e.name == spec.name) model = e.build(spec);
    }
  }
  if (!model) {
    throw std::invalid_argument(fmt::format("unknown model '{}' (known: {})", spec.name, fmt::join(model_names(), ", ")));
  }
  prepare_network(*model, spec);
  return model;
}

void prepare_network(Network& model, const ModelSpec& spec) {
  // Every batch norm of the zoo feeds an activation quantizer (directly or through a residual
  // add): place the clip where it does not bind (quant/activation_range.h).
  if (!quant::is_full_precision(spec.activation_bits)) {
    quant::init_batch_norm_scales(model, spec.activation_range());
  }
  // Every network describes itself; a layer that cannot, or whose shapes do not fit, is an
  // error now rather than at export.
  summarize(model, spec);
}

}  // namespace models
}  // namespace wrpn
