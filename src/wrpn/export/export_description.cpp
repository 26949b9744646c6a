#include "wrpn/export/export_description.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

#include "wrpn/export/graph_builder.h"
#include "wrpn/nn/qconv2d.h"
#include "wrpn/nn/qlinear.h"

namespace wrpn {
namespace exporter {
namespace {

class Reader {
 public:
  Reader(const std::vector<torch::Tensor>& tensors, ValueId input) : tensors_(tensors), values_{input} {}

  torch::Tensor tensor(const nlohmann::json& op, const char* key) const {
    const int64_t t = op.at(key).get<int64_t>();
    if (t < 0 || size_t(t) >= tensors_.size())
      throw std::invalid_argument(fmt::format("{} tensor {} does not exist", key, t));
    return tensors_[size_t(t)];
  }
  /// The description's value (0: the input, i + 1: op i's) as the graph's.
  ValueId value(const nlohmann::json& v) const {
    const int64_t id = v.get<int64_t>();
    if (id < 0 || size_t(id) >= values_.size()) {
      throw std::invalid_argument(fmt::format("value {} is not defined before", id));
    }
    return values_[size_t(id)];
  }
  void defined(ValueId graph_value) { values_.push_back(graph_value); }

 private:
  const std::vector<torch::Tensor>& tensors_;
  std::vector<ValueId> values_;
};

Activation act_of(const nlohmann::json& op) {
  if (!op.contains("act") || op.at("act").is_null()) return Activation();
  return Activation(runtime::ops::Activation::quantizer(op.at("act").get<int>()));
}

// A BatchNorm module holding the given statistics (eval mode: running statistics).
template <typename BatchNorm>
BatchNorm batch_norm(const nlohmann::json& bn, const Reader& r) {
  const torch::Tensor weight = r.tensor(bn, "weight");
  BatchNorm m(torch::nn::BatchNormOptions(weight.numel()).eps(bn.at("eps").get<double>()));
  torch::NoGradGuard no_grad;
  m->weight.copy_(weight);
  m->bias.copy_(r.tensor(bn, "bias"));
  m->running_mean.copy_(r.tensor(bn, "mean"));
  m->running_var.copy_(r.tensor(bn, "var"));
  m->eval();
  return m;
}

template <typename Layer>
void copy_parameters(Layer& layer, const nlohmann::json& op, const Reader& r) {
  torch::NoGradGuard no_grad;
  const torch::Tensor w = r.tensor(op, "weight");
  if (w.sizes() != layer->weight.sizes()) {
    throw std::invalid_argument(fmt::format("weight is {}, the layer needs {}", fmt::join(w.sizes(), "x"),
                                            fmt::join(layer->weight.sizes(), "x")));
  }
  layer->weight.copy_(w);
  if (op.at("bias").get<int64_t>() >= 0) layer->bias.copy_(r.tensor(op, "bias"));
}

nn::WeightParam param_of(const nlohmann::json& op) {
  return op.at("unit").get<bool>() ? nn::WeightParam::Unit : nn::WeightParam::Torch;
}

ValueId emit(GraphBuilder& g, const nlohmann::json& op, const Reader& r) {
  const std::string kind = op.at("op").get<std::string>();
  if (kind == "conv") {
    const auto k = op.at("kernel").get<std::vector<int64_t>>();
    nn::QConv2d conv(nn::QConv2dOptions(op.at("in").get<int64_t>(), op.at("out").get<int64_t>(), {k.at(0), k.at(1)})
                         .stride(op.at("stride").get<int64_t>())
                         .padding(op.at("padding").get<int64_t>())
                         .bias(op.at("bias").get<int64_t>() >= 0)
                         .weight_bits(op.at("weight_bits").get<int>())
                         .per_channel_alpha(op.at("per_channel_alpha").get<bool>())
                         .weight_param(param_of(op)));
    copy_parameters(conv, op, r);
    if (op.at("bn").is_null()) return g.conv(r.value(op.at("x")), *conv, nullptr, act_of(op));
    const auto bn = batch_norm<torch::nn::BatchNorm2d>(op.at("bn"), r);
    return g.conv(r.value(op.at("x")), *conv, bn.get(), act_of(op));
  }
  if (kind == "linear") {
    nn::QLinear fc(nn::QLinearOptions(op.at("in").get<int64_t>(), op.at("out").get<int64_t>())
                       .bias(op.at("bias").get<int64_t>() >= 0)
                       .weight_bits(op.at("weight_bits").get<int>())
                       .per_channel_alpha(op.at("per_channel_alpha").get<bool>())
                       .weight_param(param_of(op)));
    copy_parameters(fc, op, r);
    if (op.at("bn").is_null()) return g.linear(r.value(op.at("x")), *fc, nullptr, act_of(op));
    const auto bn = batch_norm<torch::nn::BatchNorm1d>(op.at("bn"), r);
    return g.linear(r.value(op.at("x")), *fc, bn.get(), act_of(op));
  }
  if (kind == "batch_norm") {
    const auto bn = batch_norm<torch::nn::BatchNorm2d>(op.at("bn"), r);
    return g.batch_norm(r.value(op.at("x")), *bn, act_of(op));
  }
  const auto pool = [&](auto method) {
    return (g.*method)(r.value(op.at("x")), op.at("kernel").get<int>(), op.at("stride").get<int>(),
                       op.at("padding").get<int>());
  };
  if (kind == "max_pool") return pool(&GraphBuilder::max_pool);
  if (kind == "avg_pool") return pool(&GraphBuilder::avg_pool);
  if (kind == "global_avg_pool") return g.global_avg_pool(r.value(op.at("x")));
  if (kind == "flatten") return g.flatten(r.value(op.at("x")));
  if (kind == "add") return g.add(r.value(op.at("a")), r.value(op.at("b")), act_of(op));
  if (kind == "concat") {
    std::vector<ValueId> parts;
    for (const auto& p : op.at("parts")) parts.push_back(r.value(p));
    return g.concat(parts);
  }
  throw std::invalid_argument(fmt::format("unknown op '{}'", kind));
}

}  // namespace

runtime::ModelFile export_description(const nlohmann::json& ops, const std::vector<torch::Tensor>& tensors,
                                      const runtime::InputSpec& input, const std::string& info_json) {
  torch::NoGradGuard no_grad;
  GraphBuilder g(input, info_json);
  Reader r(tensors, g.input());
  const nlohmann::json& list = ops.at("ops");
  for (size_t i = 0; i < list.size(); ++i) {
    try {
      r.defined(emit(g, list[i], r));
    } catch (const std::exception& e) {
      throw std::invalid_argument(fmt::format("op {} ({}): {}", i, list[i].value("op", "?"), e.what()));
    }
  }
  return g.finish(r.value(ops.at("output")));
}

}  // namespace exporter
}  // namespace wrpn
