#include "wrpn/export/export_model.h"

#include <fmt/format.h>

#include <set>

#include "wrpn/export/graph_builder.h"
#include "wrpn/nn/qrelu.h"

namespace wrpn {
namespace exporter {
namespace {

using Module = torch::nn::Module;

const Module& child(const Module& m, const std::string& name) {
  for (const auto& item : m.named_children()) {
    if (item.key() == name) return *item.value();
  }
  throw std::invalid_argument(fmt::format("export: module {} has no child '{}'", m.name(), name));
}

bool has_child(const Module& m, const std::string& name) {
  for (const auto& item : m.named_children()) {
    if (item.key() == name) return true;
  }
  return false;
}

template <typename T>
const T& as(const Module& m, const std::string& what) {
  const T* p = dynamic_cast<const T*>(&m);
  if (!p) throw std::invalid_argument(fmt::format("export: {} is a {}, not the expected layer", what, m.name()));
  return *p;
}

Activation act_of(const Module& m) { return Activation::quantizer(as<nn::QReLUImpl>(m, "activation").options.bits()); }

// models/conv_bn.h: children conv, bn and (optionally) act.
ValueId conv_bn(GraphBuilder& g, ValueId x, const Module& block) {
  const Activation act = has_child(block, "act") ? act_of(child(block, "act")) : Activation::none();
  return g.conv(x, as<nn::QConv2dImpl>(child(block, "conv"), "conv"),
                &as<torch::nn::BatchNorm2dImpl>(child(block, "bn"), "bn"), act);
}

// A Sequential of (QConv2d, BatchNorm2d, QReLU) triples (vgg_small's stages).
ValueId conv_stage(GraphBuilder& g, ValueId x, const Module& stage) {
  const auto layers = stage.children();
  if (layers.size() % 3 != 0) throw std::invalid_argument("export: a vgg stage must hold conv, bn, act triples");
  for (size_t i = 0; i < layers.size(); i += 3) {
    x = g.conv(x, as<nn::QConv2dImpl>(*layers[i], "conv"), &as<torch::nn::BatchNorm2dImpl>(*layers[i + 1], "bn"),
               act_of(*layers[i + 2]));
  }
  return x;
}

ValueId lenet5(GraphBuilder& g, const Module& m) {
  auto conv = [&](ValueId x, const char* c, const char* bn, const char* act) {
    return g.conv(x, as<nn::QConv2dImpl>(child(m, c), c), &as<torch::nn::BatchNorm2dImpl>(child(m, bn), bn),
                  act_of(child(m, act)));
  };
  auto fc = [&](ValueId x, const char* f, const char* bn, const char* act) {
    return g.linear(x, as<nn::QLinearImpl>(child(m, f), f), &as<torch::nn::BatchNorm1dImpl>(child(m, bn), bn),
                    act_of(child(m, act)));
  };
  ValueId x = g.max_pool(conv(g.input(), "conv1", "bn1", "act1"), 2, 2, 0);
  x = g.max_pool(conv(x, "conv2", "bn2", "act2"), 2, 2, 0);
  x = fc(g.flatten(x), "fc1", "bn3", "act3");
  x = fc(x, "fc2", "bn4", "act4");
  return g.linear(x, as<nn::QLinearImpl>(child(m, "fc3"), "fc3"), nullptr, Activation::none());
}

ValueId alexnet_bn(GraphBuilder& g, const Module& m, const models::ModelSpec& spec) {
  ValueId x = g.max_pool(conv_bn(g, g.input(), child(m, "conv1")), 3, 2, 0);
  x = g.max_pool(conv_bn(g, x, child(m, "conv2")), 3, 2, 0);
  for (const char* name : {"conv3", "conv4", "conv5"}) x = conv_bn(g, x, child(m, name));
  x = g.max_pool(x, 3, 2, 0);
  // The model's adaptive average pool to at most 6x6 is the identity up to 224-pixel inputs.
  const auto& fc1 = as<nn::QLinearImpl>(child(m, "fc1"), "fc1");
  if (size_t(fc1.options.in_features()) != g.value(x).elements()) {
    throw std::invalid_argument(fmt::format(
        "export: alexnet_bn at input size {} pools its last map adaptively, which the runtime has no op for",
        spec.input_size));
  }
  x = g.linear(g.flatten(x), fc1, &as<torch::nn::BatchNorm1dImpl>(child(m, "bn6"), "bn6"), act_of(child(m, "act6")));
  x = g.linear(x, as<nn::QLinearImpl>(child(m, "fc2"), "fc2"), &as<torch::nn::BatchNorm1dImpl>(child(m, "bn7"), "bn7"),
               act_of(child(m, "act7")));
  return g.linear(x, as<nn::QLinearImpl>(child(m, "fc3"), "fc3"), nullptr, Activation::none());
}

ValueId vgg_small(GraphBuilder& g, const Module& m) {
  ValueId x = g.max_pool(conv_stage(g, g.input(), child(m, "stage1")), 2, 2, 0);
  x = g.max_pool(conv_stage(g, x, child(m, "stage2")), 2, 2, 0);
  x = g.global_avg_pool(conv_stage(g, x, child(m, "stage3")));
  return g.linear(x, as<nn::QLinearImpl>(child(m, "classifier"), "classifier"), nullptr, Activation::none());
}

// Post-activation residual block (CIFAR and ImageNet ResNets): conv1..convN (ConvBn), a
// `downsample` ConvBn or the option-A shortcut, then the activation after the add.
ValueId residual_block(GraphBuilder& g, ValueId x, const Module& block) {
  ValueId y = x;
  int stride = 1, out_channels = 0;
  for (int i = 1; has_child(block, fmt::format("conv{}", i)); ++i) {
    const Module& cb = child(block, fmt::format("conv{}", i));
    const auto& o = as<nn::QConv2dImpl>(child(cb, "conv"), "conv").options;
    stride *= int((*o.stride())[0]);
    out_channels = int(o.out_channels());
    y = conv_bn(g, y, cb);
  }
  const ValueId shortcut = has_child(block, "downsample") ? conv_bn(g, x, child(block, "downsample"))
                                                          : g.shortcut_a(x, stride, out_channels);
  return g.add(y, shortcut, act_of(child(block, "act")));
}

// Pre-activation block: BN -> act -> conv -> BN -> act -> conv, plus the option-A shortcut.
ValueId preact_block(GraphBuilder& g, ValueId x, const Module& b) {
  const auto& conv1 = as<nn::QConv2dImpl>(child(b, "conv1"), "conv1");
  const auto& conv2 = as<nn::QConv2dImpl>(child(b, "conv2"), "conv2");
  ValueId y = g.batch_norm(x, as<torch::nn::BatchNorm2dImpl>(child(b, "bn1"), "bn1"), act_of(child(b, "act1")));
  y = g.conv(y, conv1, &as<torch::nn::BatchNorm2dImpl>(child(b, "bn2"), "bn2"), act_of(child(b, "act2")));
  y = g.conv(y, conv2, nullptr, Activation::none());
  return g.add(y, g.shortcut_a(x, int((*conv1.options.stride())[0]), int(conv2.options.out_channels())),
               Activation::none());
}

ValueId stages(GraphBuilder& g, ValueId x, const Module& m, bool preact) {
  for (int s = 1; has_child(m, fmt::format("layer{}", s)); ++s) {
    for (const auto& block : child(m, fmt::format("layer{}", s)).children()) {
      x = preact ? preact_block(g, x, *block) : residual_block(g, x, *block);
    }
  }
  return x;
}

ValueId resnet(GraphBuilder& g, const Module& m, const std::string& name) {
  ValueId x;
  const bool preact = name == "preact_resnet20";
  if (preact) {
    x = g.conv(g.input(), as<nn::QConv2dImpl>(child(m, "stem"), "stem"), nullptr, Activation::none());
  } else {
    x = conv_bn(g, g.input(), child(m, "stem"));
  }
  const bool imagenet = name == "resnet18" || name == "resnet34" || name == "resnet50";
  if (imagenet) x = g.max_pool(x, 3, 2, 1);
  x = stages(g, x, m, preact);
  if (preact) {
    x = g.batch_norm(x, as<torch::nn::BatchNorm2dImpl>(child(m, "final_bn"), "final_bn"), act_of(child(m, "final_act")));
  }
  return g.linear(g.global_avg_pool(x), as<nn::QLinearImpl>(child(m, "fc"), "fc"), nullptr, Activation::none());
}

}  // namespace

bool can_export(const std::string& name) {
  static const std::set<std::string> ok = {"lenet5",   "vgg_small", "alexnet_bn", "resnet20",       "resnet32",
                                           "resnet56", "resnet18",  "resnet34",   "resnet50", "preact_resnet20"};
  return ok.count(name) > 0;
}

runtime::InputSpec input_spec_for(const data::Dataset& dataset, int64_t image_size) {
  runtime::InputSpec in;
  const data::ImageShape s = dataset.shape();
  in.channels = int(s.channels);
  in.height = int(image_size > 0 ? image_size : s.height);
  in.width = int(image_size > 0 ? image_size : s.width);
  const auto mean = dataset.channel_mean(), std = dataset.channel_std();
  for (int64_t c = 0; c < s.channels; ++c) {
    // Exactly the float arithmetic of data/sample_source.cpp.
    in.scale.push_back(1.0f / (255.0f * std[size_t(c)]));
    in.shift.push_back(-mean[size_t(c)] / std[size_t(c)]);
  }
  return in;
}

torch::Tensor normalised_images(const std::vector<uint8_t>& pixels, const runtime::InputSpec& input, int64_t count) {
  torch::Tensor x = torch::empty({count, input.channels, input.height, input.width});
  float* out = x.data_ptr<float>();
  const int64_t hw = int64_t(input.height) * input.width, per = hw * input.channels;
  for (int64_t i = 0; i < count * per; ++i) {
    const int64_t c = (i % per) / hw;
    out[i] = float(pixels[size_t(i)]) * input.scale[size_t(c)] + input.shift[size_t(c)];
  }
  return x;
}

runtime::ModelFile export_model(models::Network& model, const models::ModelSpec& spec,
                                const runtime::InputSpec& input, const std::string& info_json) {
  if (!can_export(spec.name)) {
    throw std::invalid_argument(fmt::format(
        "export supports lenet5, vgg_small, alexnet_bn, resnet18/34/50, resnet20/32/56 and preact_resnet20 "
        "(inception_bn needs a concatenation op the runtime does not have); got {}",
        spec.name));
  }
  model.eval();
  torch::NoGradGuard no_grad;
  GraphBuilder g(input, info_json);
  ValueId logits;
  if (spec.name == "lenet5") {
    logits = lenet5(g, model);
  } else if (spec.name == "vgg_small") {
    logits = vgg_small(g, model);
  } else if (spec.name == "alexnet_bn") {
    logits = alexnet_bn(g, model, spec);
  } else {
    logits = resnet(g, model, spec.name);
  }
  return g.finish(logits);
}

}  // namespace exporter
}  // namespace wrpn
