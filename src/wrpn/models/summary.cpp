#include "wrpn/models/summary.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "wrpn/nn/weight_param.h"

namespace wrpn {
namespace models {
namespace {

double packed_bytes(int64_t params, int bits) { return std::ceil(double(params) * bits / 8.0); }

std::vector<int64_t> per_sample(const std::vector<int64_t>& shape) {
  return shape.size() > 1 ? std::vector<int64_t>(shape.begin() + 1, shape.end()) : shape;
}

}  // namespace

ModelSummary summarize(Network& model, const ModelSpec& spec) {
  {
    torch::NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    model.forward(torch::zeros({1, spec.in_channels, spec.input_size, spec.input_size}));
    model.train(was_training);
  }
  ModelSummary s;
  bool first_layer = true;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    const auto* module = item.value().get();
    LayerSummary l;
    l.name = item.key();
    if (const auto* q = dynamic_cast<const nn::QuantizedLayer*>(module)) {
      l.kind = q->raw_weight().dim() == 4 ? "conv" : "linear";
      l.weight_shape = q->raw_weight().sizes().vec();
      l.input_shape = per_sample(q->last_input_shape());
      l.output_shape = per_sample(q->last_output_shape());
      l.weight_bits = q->weight_bits();
      l.input_bits = first_layer ? 32 : spec.activation_bits;
      first_layer = false;
      const int64_t weights = q->raw_weight().numel();
      int64_t biases = 0;
      for (const auto& p : item.value()->named_parameters(/*recurse=*/false)) {
        if (p.key() == "bias") biases = p.value().numel();
      }
      l.params = weights + biases;
      l.macs = q->macs_per_sample();
      l.weight_bytes = packed_bytes(weights, l.weight_bits) + packed_bytes(biases, 32);
      l.bit_ops = double(l.macs) * l.weight_bits * l.input_bits;
    } else if (item.value()->as<torch::nn::BatchNorm2d>() ||
               item.value()->as<torch::nn::BatchNorm1d>()) {
      l.kind = "batchnorm";
      for (const auto& p : item.value()->parameters(/*recurse=*/false)) l.params += p.numel();
      l.weight_shape = {l.params / 2};
      l.weight_bytes = packed_bytes(l.params, 32);
    } else {
      continue;
    }
    s.params += l.params;
    s.macs += l.macs;
    s.weight_bytes += l.weight_bytes;
    s.bit_ops += l.bit_ops;
    s.layers.push_back(std::move(l));
  }
  return s;
}

nlohmann::json to_json(const ModelSummary& s) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : s.layers) {
    layers.push_back({{"name", l.name},
                      {"kind", l.kind},
                      {"weight_shape", l.weight_shape},
                      {"output_shape", l.output_shape},
                      {"weight_bits", l.weight_bits},
                      {"input_bits", l.input_bits},
                      {"params", l.params},
                      {"macs", l.macs},
                      {"weight_bytes", l.weight_bytes},
                      {"bit_ops", l.bit_ops}});
  }
  return {{"layers", layers},
          {"params", s.params},
          {"macs", s.macs},
          {"weight_bytes", s.weight_bytes},
          {"bit_ops", s.bit_ops}};
}

std::string format_table(const ModelSummary& s) {
  std::string out = fmt::format("{:<22} {:<9} {:<18} {:<14} {:>5} {:>10} {:>13} {:>12}\n", "layer",
                                "kind", "weight shape", "output", "bits", "params", "MACs",
                                "weight B");
  for (const auto& l : s.layers) {
    out += fmt::format("{:<22} {:<9} {:<18} {:<14} {:>5} {:>10} {:>13} {:>12.0f}\n", l.name,
                       l.kind, fmt::format("{}", fmt::join(l.weight_shape, "x")),
                       fmt::format("{}", fmt::join(l.output_shape, "x")),
                       l.kind == "batchnorm" ? std::string("32")
                                             : fmt::format("{}/{}", l.weight_bits, l.input_bits),
                       l.params, l.macs, l.weight_bytes);
  }
  out += fmt::format("total: {} parameters, {} MACs, {:.0f} weight bytes, {:.4g} bit-operations\n",
                     s.params, s.macs, s.weight_bytes, s.bit_ops);
  return out;
}

}  // namespace models
}  // namespace wrpn
