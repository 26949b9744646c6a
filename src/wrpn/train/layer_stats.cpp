#include "wrpn/train/layer_stats.h"

#include <fmt/format.h>

#include <algorithm>

namespace wrpn {
namespace train {

LayerStatsCollector::LayerStatsCollector(torch::nn::Module& model) {
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    if (auto* act = dynamic_cast<nn::QReLUImpl*>(item.value().get())) activations_.emplace_back(item.key(), act);
    if (auto* layer = dynamic_cast<const nn::QuantizedLayer*>(item.value().get()))
      layers_.emplace_back(item.key(), layer);
  }
  reset();
}

void LayerStatsCollector::reset() {
  for (auto& a : activations_) a.second->clip_counts = {};
  grad_norm_sums_.assign(layers_.size(), 0.0);
  steps_ = 0;
}

void LayerStatsCollector::after_backward() {
  for (size_t i = 0; i < layers_.size(); ++i) {
    const torch::Tensor& g = layers_[i].second->raw_weight().grad();
    if (g.defined()) grad_norm_sums_[i] += g.norm().item<double>();
  }
  ++steps_;
}

LayerStats LayerStatsCollector::stats() const {
  LayerStats s;
  for (const auto& [name, act] : activations_) {
    const nn::ClipCounts& c = act->clip_counts;
    const double total = double(std::max<int64_t>(c.total, 1));
    s.clipped_low[name] = double(c.below) / total;
    s.clipped_high[name] = double(c.above) / total;
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    s.grad_norm[layers_[i].first] = grad_norm_sums_[i] / double(std::max<int64_t>(steps_, 1));
  }
  return s;
}

nlohmann::json LayerStatsCollector::state() const {
  nlohmann::json clips = nlohmann::json::array();
  for (const auto& a : activations_) {
    const nn::ClipCounts& c = a.second->clip_counts;
    clips.push_back({c.below, c.above, c.total});
  }
  return {{"steps", steps_}, {"grad_norm_sums", grad_norm_sums_}, {"clip_counts", clips}};
}

void LayerStatsCollector::restore(const nlohmann::json& state) {
  try {
    const auto sums = state.at("grad_norm_sums").get<std::vector<double>>();
    const auto clips = state.at("clip_counts").get<std::vector<std::vector<int64_t>>>();
    if (sums.size() != layers_.size() || clips.size() != activations_.size()) {
      throw std::runtime_error(fmt::format("statistics of {} layers and {} activations, the network has {} and {}",
                                           sums.size(), clips.size(), layers_.size(), activations_.size()));
    }
    for (size_t i = 0; i < clips.size(); ++i) {
      if (clips[i].size() != 3) throw std::runtime_error("a clip count is not [below, above, total]");
      activations_[i].second->clip_counts = {clips[i][0], clips[i][1], clips[i][2]};
    }
    grad_norm_sums_ = sums;
    steps_ = state.at("steps").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("layer statistics are malformed: {}", e.what()));
  }
}

std::vector<LayerWarning> layer_warnings(const LayerStats& s) {
  std::vector<LayerWarning> lines;
  for (const auto& [name, high] : s.clipped_high) {
    const double low = s.clipped_low.at(name), passing = 1.0 - low - high;
    if (high > kSaturatedHigh || passing < kMinPassing) {
      lines.push_back(
          {name,
           fmt::format("activation {} is saturated: {:.1f}% of its inputs clip above 1 and {:.1f}% below 0, "
                       "only {:.1f}% pass a gradient",
                       name, 100 * high, 100 * low, 100 * passing),
           /*saturated=*/true});
    }
  }
  double largest = 0;
  for (const auto& kv : s.grad_norm) largest = std::max(largest, kv.second);
  for (const auto& [name, norm] : s.grad_norm) {
    if (norm <= 1e-9 * largest || norm == 0) {
      lines.push_back({name, fmt::format("layer {} received no gradient (mean norm {:.3g}, largest layer {:.3g})", name,
                                         norm, largest)});
    }
  }
  return lines;
}

}  // namespace train
}  // namespace wrpn
