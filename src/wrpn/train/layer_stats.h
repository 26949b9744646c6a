// Per-layer training diagnostics, per epoch: how much of each activation quantizer's input
// is clipped (below 0, above 1) and the mean gradient norm reaching each conv/linear layer,
// with the warnings `wrpn train` prints when a layer is saturated or gets no gradient.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "wrpn/nn/qrelu.h"
#include "wrpn/nn/weight_param.h"

namespace wrpn {
namespace train {

struct LayerStats {
  /// Fraction of activation-quantizer inputs below 0 / above 1 (always 0 for a ReLU), by
  /// module name.
  std::map<std::string, double> clipped_low, clipped_high;
  /// Mean over the epoch's steps of the L2 norm of each conv/linear weight's gradient.
  std::map<std::string, double> grad_norm;
};

/// A layer counts as saturated when more than this fraction of its inputs clips above 1 ...
constexpr double kSaturatedHigh = 0.10;
/// ... or when less than this fraction passes a gradient (inside [0, 1]).
constexpr double kMinPassing = 0.05;

class LayerStatsCollector {
 public:
  explicit LayerStatsCollector(torch::nn::Module& model);
  /// Clears the counts (start of an epoch).
  void reset();
  /// Adds this step's gradient norms; call after backward (and any gradient all-reduce).
  void after_backward();
  /// The epoch so far.
  LayerStats stats() const;
  /// The counts, exactly (a mid-epoch checkpoint), and back; restore throws
  /// std::runtime_error when the state is of another network.
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  std::vector<std::pair<std::string, nn::QReLUImpl*>> activations_;
  std::vector<std::pair<std::string, const nn::QuantizedLayer*>> layers_;
  std::vector<double> grad_norm_sums_;
  int64_t steps_ = 0;
};

struct LayerWarning {
  std::string layer;
  std::string message;     ///< names the layer and the figure
  bool saturated = false;  ///< an activation clip, not a missing gradient
};

/// One warning per saturated activation and per layer without gradient.
std::vector<LayerWarning> layer_warnings(const LayerStats& stats);

}  // namespace train
}  // namespace wrpn
