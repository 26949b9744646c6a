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

constexpr NativeInput kFashionMnist{1, 28, 10};
constexpr NativeInput kCifar{3, 32, 10};
constexpr NativeInput kImageNet{3, 224, 1000};

template <typename Model>
ModelEntry entry(std::string name, std::string description, NativeInput native) {
  return {std::move(name), std::move(description), [](const ModelSpec& spec) { return std::make_shared<Model>(spec); },
          native};
}

ModelEntry entry(std::string name, std::string description, std::shared_ptr<Network> (*make)(const ModelSpec&),
                 NativeInput native) {
  return {std::move(name), std::move(description), make, native};
}

}  // namespace

const std::vector<ModelEntry>& model_registry() {
  static const std::vector<ModelEntry> registry = {
      entry<LeNet5>("lenet5", "LeNet-5 with batch norm (28x28 or larger inputs)", kFashionMnist),
      entry<VggSmall>("vgg_small", "5-conv VGG-style net with batch norm and global pooling", kFashionMnist),
      entry<AlexNetBn>("alexnet_bn", "AlexNet with batch norm, ImageNet (63x63 or larger inputs)", kImageNet),
      entry("resnet18", "ResNet-18, ImageNet form (basic blocks 2-2-2-2)", make_resnet18, kImageNet),
      entry("resnet34", "ResNet-34, ImageNet form (basic blocks 3-4-6-3)", make_resnet34, kImageNet),
      entry("resnet50", "ResNet-50, ImageNet form (bottlenecks 3-4-6-3, stride on the 3x3)", make_resnet50, kImageNet),
      entry<InceptionBn>("inception_bn", "Inception with batch norm (BN-Inception), ImageNet", kImageNet),
      entry("resnet20", "ResNet-20, CIFAR form (option A shortcuts)", make_resnet20, kCifar),
      entry("resnet32", "ResNet-32, CIFAR form (option A shortcuts)", make_resnet32, kCifar),
      entry("resnet56", "ResNet-56, CIFAR form (option A shortcuts)", make_resnet56, kCifar),
      entry("preact_resnet20", "pre-activation ResNet-20, CIFAR form (option A shortcuts)", make_preact_resnet20,
            kCifar),
      entry<Mlp>("mlp", "3-layer perceptron without batch norm (the data-parallel equivalence test)", kFashionMnist),
  };
  return registry;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& e : model_registry()) names.push_back(e.name);
  return names;
}

NativeInput native_input(const std::string& model) {
  for (const auto& e : model_registry()) {
    if (e.name == model) return e.native;
  }
  return kFashionMnist;
}

void use_native_input(ModelSpec& spec) {
  const NativeInput n = native_input(spec.name);
  spec.in_channels = n.channels;
  spec.input_size = n.size;
  spec.classes = n.classes;
}

namespace {

// `requested` with a fresh record of the stages its builder widens (ModelSpec::widened_stages).
ModelSpec recording_widths(const ModelSpec& requested) {
  ModelSpec spec = requested;
  spec.widened_stages = std::make_shared<std::vector<std::string>>();
  return spec;
}

// The network of a description or of a registered name, as its builder makes it.
std::shared_ptr<Network> build_unprepared(const ModelSpec& spec) {
  if (!spec.network.is_null()) return build_network(spec);
  for (const auto& e : model_registry()) {
    if (e.name == spec.name) return e.build(spec);
  }
  throw std::invalid_argument(fmt::format("unknown model '{}' (known: {})", spec.name, fmt::join(model_names(), ", ")));
}

}  // namespace

std::shared_ptr<Network> build_model(const ModelSpec& requested) {
  requested.validate();
  const ModelSpec spec = recording_widths(requested);
  std::shared_ptr<Network> model = build_unprepared(spec);
  check_stage_width_rules(spec.stage_width, *spec.widened_stages, spec.name);
  apply_layer_bits(*model, spec.layer_bits);
  prepare_network(*model, spec);
  return model;
}

std::shared_ptr<Network> build_own_network(const ModelSpec& requested,
                                           const std::function<std::shared_ptr<Network>(const ModelSpec&)>& build) {
  requested.validate();
  const ModelSpec spec = recording_widths(requested);
  std::shared_ptr<Network> model = build(spec);
  check_stage_width_rules(spec.stage_width, *spec.widened_stages, spec.name);
  if (!spec.layer_bits.empty()) apply_layer_bits(*model, spec.layer_bits);  // its own input bits stand otherwise
  return model;
}

std::vector<std::string> width_stages(const ModelSpec& requested) {
  ModelSpec spec = recording_widths(requested);
  spec.stage_width.clear();
  build_unprepared(spec);
  return *spec.widened_stages;
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
