#include "wrpn/measure/cost.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "wrpn/models/registry.h"
#include "wrpn/models/summary.h"

namespace wrpn {
namespace measure {
namespace {

int64_t elements(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

std::vector<LayerCost> layer_costs(const models::ModelSpec& spec) {
  auto model = models::build_model(spec);
  const models::ModelSummary summary = models::summarize(*model, spec);
  std::vector<LayerCost> layers;
  size_t last_compute = 0;
  for (const auto& l : summary.layers) {
    LayerCost c;
    c.name = l.name;
    c.kind = l.kind;
    c.params = l.params;
    c.weight_bytes = l.weight_bytes;
    if (l.kind != "batchnorm") {
      c.weight_bits = l.weight_bits;
      c.input_bits = l.input_bits;
      c.output_bits = l.output_bits;
      c.input_elements = elements(l.input_shape);
      c.output_elements = elements(l.output_shape);
      c.macs = l.macs;
      c.bit_ops = l.bit_ops;
      c.mac_cost = double(l.macs) * std::max(c.weight_bits, c.input_bits) / 32.0;
      last_compute = layers.size();
    }
    layers.push_back(c);
  }
  if (!layers.empty()) layers[last_compute].output_bits = 32;  // logits
  return layers;
}

CostTotals totals(const std::vector<LayerCost>& layers, int64_t batch) {
  CostTotals t;
  double input_gradient_maps = 0, weight_gradients = 0;
  for (const auto& l : layers) {
    t.params += l.params;
    t.weight_bytes += l.weight_bytes;
    weight_gradients += double(l.params) * 4.0;
    if (l.kind == "batchnorm") continue;
    t.macs += l.macs * batch;
    t.bit_ops += l.bit_ops * double(batch);
    t.mac_cost += l.mac_cost * double(batch);
    const double in_bytes = double(l.input_elements) * l.input_bits / 8.0 * double(batch);
    const double out_bytes = double(l.output_elements) * l.output_bits / 8.0 * double(batch);
    t.inference_activation_bytes = std::max(t.inference_activation_bytes, in_bytes + out_bytes);
    t.training_activation_bytes += in_bytes;
    input_gradient_maps =
        std::max(input_gradient_maps, double(l.input_elements + l.output_elements) * 4.0 * double(batch));
  }
  t.training_gradient_bytes = std::max(input_gradient_maps, weight_gradients);
  t.training_bytes = t.training_activation_bytes + t.weight_bytes + t.training_gradient_bytes;
  return t;
}

}  // namespace

models::ModelSpec fp32_baseline(const models::ModelSpec& spec) {
  models::ModelSpec base = spec;
  base.width = 1.0;
  base.weight_bits = base.activation_bits = base.first_weight_bits = base.last_weight_bits = 32;
  base.layer_bits.clear();
  base.stage_width.clear();
  base.quantizer = quant::Scheme::Wrpn;
  return base;
}

CostReport estimate_cost(const models::ModelSpec& spec, int64_t batch) {
  if (batch < 1) throw std::invalid_argument(fmt::format("batch must be >= 1, got {}", batch));
  CostReport r;
  r.spec = spec;
  r.batch = batch;
  r.layers = layer_costs(spec);
  r.total = totals(r.layers, batch);
  r.baseline_layers = layer_costs(fp32_baseline(spec));
  r.baseline = totals(r.baseline_layers, batch);
  return r;
}

namespace {

nlohmann::json totals_json(const CostTotals& t) {
  return {{"params", t.params},
          {"weight_bytes", t.weight_bytes},
          {"macs", t.macs},
          {"bit_ops", t.bit_ops},
          {"mac_cost", t.mac_cost},
          {"inference_activation_bytes", t.inference_activation_bytes},
          {"training_activation_bytes", t.training_activation_bytes},
          {"training_gradient_bytes", t.training_gradient_bytes},
          {"training_bytes", t.training_bytes},
          {"activation_share", t.activation_share()}};
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

}  // namespace

nlohmann::json to_json(const CostReport& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : r.layers) {
    layers.push_back({{"name", l.name},
                      {"kind", l.kind},
                      {"weight_bits", l.weight_bits},
                      {"input_bits", l.input_bits},
                      {"output_bits", l.output_bits},
                      {"params", l.params},
                      {"input_elements", l.input_elements},
                      {"output_elements", l.output_elements},
                      {"macs", l.macs},
                      {"weight_bytes", l.weight_bytes},
                      {"bit_ops", l.bit_ops},
                      {"mac_cost", l.mac_cost}});
  }
  const CostTotals& t = r.total;
  const CostTotals& b = r.baseline;
  return {{"model", r.spec.name},
          {"width", r.spec.width},
          {"wbits", r.spec.weight_bits},
          {"abits", r.spec.activation_bits},
          {"batch", r.batch},
          {"layers", layers},
          {"total", totals_json(t)},
          {"baseline", totals_json(b)},
          {"ratio",
           {{"params", ratio(double(t.params), double(b.params))},
            {"weight_bytes", ratio(t.weight_bytes, b.weight_bytes)},
            {"macs", ratio(double(t.macs), double(b.macs))},
            {"bit_ops", ratio(t.bit_ops, b.bit_ops)},
            {"mac_cost", ratio(t.mac_cost, b.mac_cost)},
            {"inference_activation_bytes", ratio(t.inference_activation_bytes, b.inference_activation_bytes)},
            {"training_bytes", ratio(t.training_bytes, b.training_bytes)}}}};
}

std::string format_report(const CostReport& r, const std::string& format) {
  if (format == "json") return to_json(r).dump(2) + "\n";
  const CostTotals& t = r.total;
  const CostTotals& b = r.baseline;
  if (format == "csv") {
    std::string out =
        "layer,kind,weight_bits,input_bits,output_bits,params,input_elements,output_elements,"
        "macs,weight_bytes,bit_ops,mac_cost\n";
    for (const auto& l : r.layers) {
      out += fmt::format("{},{},{},{},{},{},{},{},{},{:.0f},{:.0f},{:.1f}\n", l.name, l.kind, l.weight_bits,
                         l.input_bits, l.output_bits, l.params, l.input_elements, l.output_elements, l.macs,
                         l.weight_bytes, l.bit_ops, l.mac_cost);
    }
    out += fmt::format("total,,,,,{},,,{},{:.0f},{:.0f},{:.1f}\n", t.params, t.macs / r.batch, t.weight_bytes,
                       t.bit_ops / double(r.batch), t.mac_cost / double(r.batch));
    return out;
  }
  if (format != "text") {
    throw std::invalid_argument(fmt::format("format must be text, csv or json, got '{}'", format));
  }
  std::string out = fmt::format("{} at batch {}\n{:<24} {:<9} {:>7} {:>10} {:>13} {:>12} {:>14}\n", r.spec.label(),
                                r.batch, "layer", "kind", "w/a", "params", "MACs/img", "weight B", "bit-ops/img");
  for (const auto& l : r.layers) {
    out += fmt::format("{:<24} {:<9} {:>7} {:>10} {:>13} {:>12.0f} {:>14.4g}\n", l.name, l.kind,
                       l.kind == "batchnorm" ? std::string("32") : fmt::format("{}/{}", l.weight_bits, l.input_bits),
                       l.params, l.macs, l.weight_bytes, l.bit_ops);
  }
  const auto row = [&](const char* what, double value, double base) {
    return fmt::format("  {:<34} {:>16.6g} {:>10.4f}x\n", what, value, ratio(value, base));
  };
  out += fmt::format("totals (ratio to the same model at 1x, 32/32, batch {}):\n", r.batch);
  out += row("parameters", double(t.params), double(b.params));
  out += row("weight bytes (packed)", t.weight_bytes, b.weight_bytes);
  out += row("MACs", double(t.macs), double(b.macs));
  out += row("bit-operations", t.bit_ops, b.bit_ops);
  out += row("linear MAC cost (FP32 MAC = 1)", t.mac_cost, b.mac_cost);
  out += row("inference activation bytes", t.inference_activation_bytes, b.inference_activation_bytes);
  out += row("training: activation maps bytes", t.training_activation_bytes, b.training_activation_bytes);
  out += row("training: gradient bytes", t.training_gradient_bytes, b.training_gradient_bytes);
  out += row("training: total bytes", t.training_bytes, b.training_bytes);
  out += fmt::format("  {:<34} {:>15.1f}% (1x FP32: {:.1f}%)\n", "activation share of training",
                     100 * t.activation_share(), 100 * b.activation_share());
  return out;
}

}  // namespace measure
}  // namespace wrpn
