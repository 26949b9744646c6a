#include "wrpn/models/summary.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <unordered_map>

#include "wrpn/nn/qconv2d.h"
#include "wrpn/nn/qlinear.h"
#include "wrpn/nn/weight_param.h"

namespace wrpn {
namespace models {
namespace {

double packed_bytes(int64_t params, int bits) { return std::ceil(double(params) * bits / 8.0); }

std::string shape_text(const std::vector<int64_t>& s) { return fmt::format("({})", fmt::join(s, ", ")); }

// Shapes follow from the description alone (no forward pass); every conv, linear and batch
// norm the network describes becomes a row. Shape mismatches are errors of the network.
class SummarySink : public nn::GraphSink {
 public:
  explicit SummarySink(const ModelSpec& spec) : spec_(spec) {}

  nn::ValueRef input() override { return add_value({spec_.in_channels, spec_.input_size, spec_.input_size}, 32); }

  nn::ValueRef conv(nn::ValueRef x, const nn::QConv2dImpl& conv, const torch::nn::BatchNorm2dImpl* bn,
                    const nn::QReLUImpl* act) override {
    const std::vector<int64_t> in = map(x, "a conv");
    const auto& o = conv.options;
    if (in[0] != o.in_channels()) {
      throw std::invalid_argument(
          fmt::format("conv expects {} input channels, got a {} map", o.in_channels(), shape_text(in)));
    }
    const auto k = *o.kernel_size(), st = *o.stride(), pad = *o.padding();
    const int64_t oh = (in[1] + 2 * pad[0] - k[0]) / st[0] + 1, ow = (in[2] + 2 * pad[1] - k[1]) / st[1] + 1;
    if (in[1] + 2 * pad[0] < k[0] || in[2] + 2 * pad[1] < k[1]) {
      throw std::invalid_argument(fmt::format("a {}x{} conv does not fit a {} map", k[0], k[1], shape_text(in)));
    }
    const std::vector<int64_t> out = {o.out_channels(), oh, ow};
    record_layer(conv, conv, "conv", in, out,
                 oh * ow * o.out_channels() * (o.in_channels() / o.groups()) * k[0] * k[1], bits_[x], after(act, x));
    if (bn) record_batch_norm(*bn);
    return add_value(out, after(act, x));
  }

  nn::ValueRef linear(nn::ValueRef x, const nn::QLinearImpl& fc, const torch::nn::BatchNorm1dImpl* bn,
                      const nn::QReLUImpl* act) override {
    const std::vector<int64_t> in = values_[x];
    if (in.size() != 1 || in[0] != fc.options.in_features()) {
      throw std::invalid_argument(fmt::format("linear expects {} features, got {}{}", fc.options.in_features(),
                                              shape_text(in), in.size() == 1 ? "" : " (flatten or pool it first)"));
    }
    const std::vector<int64_t> out = {fc.options.out_features()};
    record_layer(fc, fc, "linear", in, out, fc.options.in_features() * fc.options.out_features(), bits_[x],
                 after(act, x));
    if (bn) record_batch_norm(*bn);
    return add_value(out, after(act, x));
  }

  nn::ValueRef batch_norm(nn::ValueRef x, const torch::nn::BatchNorm2dImpl& bn, const nn::QReLUImpl* act) override {
    map(x, "a batch norm");
    record_batch_norm(bn);
    return act ? add_value(values_[x], after(act, x)) : x;
  }
  nn::ValueRef activation(nn::ValueRef x, const nn::QReLUImpl& act) override {
    return add_value(values_[x], after(&act, x));
  }
  nn::ValueRef max_pool(nn::ValueRef x, int kernel, int stride, int pad) override {
    return pool(x, kernel, stride, pad);
  }
  nn::ValueRef avg_pool(nn::ValueRef x, int kernel, int stride, int pad) override {
    return pool(x, kernel, stride, pad);
  }
  nn::ValueRef global_avg_pool(nn::ValueRef x) override { return add_value({map(x, "a global pool")[0]}, bits_[x]); }
  nn::ValueRef adaptive_avg_pool(nn::ValueRef x, int size) override {
    return add_value({map(x, "an adaptive pool")[0], size, size}, bits_[x]);
  }
  nn::ValueRef flatten(nn::ValueRef x) override {
    const std::vector<int64_t> in = values_[x];
    int64_t n = 1;
    for (int64_t d : in) n *= d;
    return add_value({n}, bits_[x]);
  }
  nn::ValueRef add(nn::ValueRef a, nn::ValueRef b, const nn::QReLUImpl* act) override {
    if (values_[a] != values_[b]) {
      throw std::invalid_argument(
          fmt::format("a residual add of a {} and a {} map", shape_text(values_[a]), shape_text(values_[b])));
    }
    return add_value(values_[a], act ? act->options.bits() : std::max(bits_[a], bits_[b]));
  }
  nn::ValueRef shortcut_a(nn::ValueRef x, int stride, int out_channels) override {
    const std::vector<int64_t> in = map(x, "a shortcut");
    if (out_channels < in[0]) {
      throw std::invalid_argument(
          fmt::format("an option-A shortcut cannot drop channels ({} -> {})", in[0], out_channels));
    }
    return add_value({out_channels, (in[1] + stride - 1) / stride, (in[2] + stride - 1) / stride}, bits_[x]);
  }
  nn::ValueRef concat(const std::vector<nn::ValueRef>& parts) override {
    std::vector<int64_t> out = map(parts.at(0), "a concatenation");
    out[0] = 0;
    int bits = 0;
    for (nn::ValueRef p : parts) {
      bits = std::max(bits, bits_[p]);
      const std::vector<int64_t> s = map(p, "a concatenation");
      if (s[1] != out[1] || s[2] != out[2]) {
        throw std::invalid_argument(fmt::format("a concatenation of maps of different sizes ({})", shape_text(s)));
      }
      out[0] += s[0];
    }
    return add_value(out, bits);
  }

  /// The rows, keyed by the module they describe.
  std::vector<std::pair<const torch::nn::Module*, LayerSummary>> rows;

 private:
  nn::ValueRef add_value(std::vector<int64_t> shape, int bits) {
    values_.push_back(std::move(shape));
    bits_.push_back(bits);
    return nn::ValueRef(values_.size() - 1);
  }
  // The bits a value is counted at: those of the activation quantizer it last went through
  // (the image: 32), the paper's accounting of a layer's input.
  int after(const nn::QReLUImpl* act, nn::ValueRef x) const { return act ? act->options.bits() : bits_[x]; }
  const std::vector<int64_t>& map(nn::ValueRef x, const char* what) const {
    if (values_[x].size() != 3) {
      throw std::invalid_argument(fmt::format("{} needs a (C, H, W) map, got {}", what, shape_text(values_[x])));
    }
    return values_[x];
  }
  nn::ValueRef pool(nn::ValueRef x, int kernel, int stride, int pad) {
    const std::vector<int64_t> in = map(x, "a pool");
    if (in[1] + 2 * pad < kernel || in[2] + 2 * pad < kernel) {
      throw std::invalid_argument(fmt::format("a {}x{} pool does not fit a {} map", kernel, kernel, shape_text(in)));
    }
    return add_value({in[0], (in[1] + 2 * pad - kernel) / stride + 1, (in[2] + 2 * pad - kernel) / stride + 1},
                     bits_[x]);
  }
  void record_layer(const torch::nn::Module& m, const nn::QuantizedLayer& q, const char* kind,
                    const std::vector<int64_t>& in, const std::vector<int64_t>& out, int64_t macs, int input_bits, int output_bits) {
    LayerSummary l;
    l.input_bits = input_bits;
    l.output_bits = output_bits;
    l.kind = kind;
    l.weight_shape = q.raw_weight().sizes().vec();
    l.input_shape = in;
    l.output_shape = out;
    l.weight_bits = q.weight_bits();
    const int64_t weights = q.raw_weight().numel();
    int64_t biases = 0;
    for (const auto& p : m.named_parameters(/*recurse=*/false)) {
      if (p.key() == "bias") biases = p.value().numel();
    }
    l.params = weights + biases;
    l.macs = macs;
    l.weight_bytes = packed_bytes(weights, l.weight_bits) + packed_bytes(biases, 32);
    rows.emplace_back(&m, std::move(l));
  }
  void record_batch_norm(const torch::nn::Module& bn) {
    LayerSummary l;
    l.kind = "batchnorm";
    for (const auto& p : bn.parameters(/*recurse=*/false)) l.params += p.numel();
    l.weight_shape = {l.params / 2};
    l.weight_bytes = packed_bytes(l.params, 32);
    rows.emplace_back(&bn, std::move(l));
  }

  const ModelSpec& spec_;
  std::vector<std::vector<int64_t>> values_;  // per value: its per-sample shape
  std::vector<int> bits_;                     // per value: the bits it is counted at
};

}  // namespace

ModelSummary summarize(const Network& model, const ModelSpec& spec) {
  SummarySink sink(spec);
  describe_network(sink, model);
  // Rows in the network's registration order, named by their path in it.
  std::unordered_map<const torch::nn::Module*, LayerSummary*> by_module;
  for (auto& [m, row] : sink.rows) by_module[m] = &row;
  ModelSummary s;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    const auto found = by_module.find(item.value().get());
    if (found == by_module.end()) continue;
    LayerSummary l = *found->second;
    l.name = item.key();
    if (l.kind != "batchnorm") l.bit_ops = double(l.macs) * l.weight_bits * l.input_bits;
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
  std::string out = fmt::format("{:<22} {:<9} {:<18} {:<14} {:>5} {:>10} {:>13} {:>12}\n", "layer", "kind",
                                "weight shape", "output", "bits", "params", "MACs", "weight B");
  for (const auto& l : s.layers) {
    out += fmt::format("{:<22} {:<9} {:<18} {:<14} {:>5} {:>10} {:>13} {:>12.0f}\n", l.name, l.kind,
                       fmt::format("{}", fmt::join(l.weight_shape, "x")),
                       fmt::format("{}", fmt::join(l.output_shape, "x")),
                       l.kind == "batchnorm" ? std::string("32") : fmt::format("{}/{}", l.weight_bits, l.input_bits),
                       l.params, l.macs, l.weight_bytes);
  }
  out += fmt::format("total: {} parameters, {} MACs, {:.0f} weight bytes, {:.4g} bit-operations\n", s.params, s.macs,
                     s.weight_bytes, s.bit_ops);
  return out;
}

}  // namespace models
}  // namespace wrpn
