#include "wrpn/models/model_spec.h"

#include <fmt/format.h>

#include <stdexcept>

#include "wrpn/quant/activation_range.h"
#include "wrpn/quant/bits.h"

namespace wrpn {
namespace models {

void ModelSpec::validate() const {
  nn::widen(1, width);  // throws on width <= 0
  quant::check_bits(weight_bits, "weight bits");
  quant::check_bits(activation_bits, "activation bits");
  quant::check_bits(first_weight_bits, "first layer weight bits");
  quant::check_bits(last_weight_bits, "last layer weight bits");
  if (classes < 2) throw std::invalid_argument(fmt::format("classes must be >= 2, got {}", classes));
  if (in_channels < 1) {
    throw std::invalid_argument(fmt::format("input channels must be >= 1, got {}", in_channels));
  }
  if (!(act_clip_sigmas == 0 || (act_clip_sigmas >= 0.25 && act_clip_sigmas <= 16))) {
    throw std::invalid_argument(fmt::format(
        "activation clip must be 0 (auto) or 0.25..16 batch-norm standard deviations, got {}", act_clip_sigmas));
  }
  if (quantizer == quant::Scheme::Lsq) {
    for (const auto& [bits, what] : {std::pair{weight_bits, "weight bits"}, std::pair{first_weight_bits, "first layer weight bits"},
                                     std::pair{last_weight_bits, "last layer weight bits"}}) {
      if (bits == 1) throw std::invalid_argument(fmt::format("--quantizer lsq has no 1-bit weights ({} 1): use 2..8 or 32", what));
    }
  }
  if (input_size < 1) {
    throw std::invalid_argument(fmt::format("input size must be >= 1, got {}", input_size));
  }
}

std::string ModelSpec::label() const {
  const std::string rules =
      layer_bits.empty() ? "" : fmt::format(" +{} layer rule{}", layer_bits.size(), layer_bits.size() > 1 ? "s" : "");
  const std::string widths = stage_width.empty() ? "" : fmt::format(" +{} stage width{}", stage_width.size(),
                                                                    stage_width.size() > 1 ? "s" : "");
  return fmt::format("{} w{:g} {}/{}{}{}", name, width, weight_bits, activation_bits, rules, widths);
}

nn::QConv2dOptions ModelSpec::conv(int64_t in, int64_t out, int64_t kernel, int bits, int64_t stride,
                                   int64_t padding) const {
  return nn::QConv2dOptions(in, out, kernel)
      .stride(stride)
      .padding(padding)
      .bias(false)
      .weight_bits(bits)
      .input_bits(activation_bits)
      .per_channel_alpha(per_channel_alpha)
      .weight_param(weight_param)
      .scheme(quantizer);
}

nn::QLinearOptions ModelSpec::linear(int64_t in, int64_t out, int bits, bool bias) const {
  return nn::QLinearOptions(in, out)
      .bias(bias)
      .weight_bits(bits)
      .input_bits(activation_bits)
      .per_channel_alpha(per_channel_alpha)
      .weight_param(weight_param)
      .scheme(quantizer);
}

nn::QLinearOptions ModelSpec::classifier(int64_t in) const {
  return linear(in, classes, last_weight_bits, true).input_scale(activation_range());
}

double ModelSpec::activation_range() const {
  if (!quant::activations_in_unit_range(quantizer)) return 1.0;
  return quant::activation_clip_sigmas(activation_bits, act_clip_sigmas);
}

nn::ValueRef Network::describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const {
  std::vector<nn::NamedChild> children;
  for (const auto& item : named_children()) children.emplace_back(item.key(), item.value().get());
  return nn::describe_sequence(sink, x, children, path);
}

void require_input_size(const ModelSpec& spec, int64_t minimum) {
  if (spec.input_size < minimum) {
    throw std::invalid_argument(fmt::format("{} needs input size >= {}, got {}", spec.name, minimum, spec.input_size));
  }
}

}  // namespace models
}  // namespace wrpn
