// An analytic memory and compute cost model of any registered model at any width, precision
// and batch size, per layer and in total, with ratios to the same model at 1x width in full
// precision. Conventions (docs/COST.md states them for users):
//  - weights: each conv/linear layer's weights packed at its bits; biases and batch-norm
//    parameters at 32 bits.
//  - activations: a conv/linear layer's input is the image (32 bits) for the first layer and
//    the activation quantizer's output (activation bits) for every other; its output, after
//    batch norm and the activation quantizer, is stored at activation bits, except the
//    classifier's logits (32 bits).
//  - inference activation bytes: the largest live set, max over layers of input + output.
//  - training bytes (the paper's accounting): activation maps (every layer's input, kept for
//    the backward pass, at its bits) + weights (at their bits) + the larger of the
//    input-gradient maps (max over layers of the 32-bit gradients of its input and output)
//    and the back-propagated weight gradients (every parameter at 32 bits).
//  - compute: MACs; bit-operations = MACs x weight bits x input bits (the paper's proxy);
//    linear MAC cost = MACs x max(weight bits, input bits) / 32 (one FP32 MAC = 1; the paper's
//    "each 4-bit operation is 8x more efficient").
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "wrpn/models/model_spec.h"

namespace wrpn {
namespace measure {

struct LayerCost {
  std::string name;
  std::string kind;  // conv, linear, batchnorm
  int weight_bits = 32;
  int input_bits = 32;
  int output_bits = 32;
  int64_t params = 0;
  int64_t input_elements = 0;   // per sample
  int64_t output_elements = 0;  // per sample
  int64_t macs = 0;             // per sample
  double weight_bytes = 0;
  double bit_ops = 0;   // per sample
  double mac_cost = 0;  // per sample, in FP32-MAC units
};

struct CostTotals {
  int64_t params = 0;
  double weight_bytes = 0;
  int64_t macs = 0;  // whole batch
  double bit_ops = 0;
  double mac_cost = 0;
  double inference_activation_bytes = 0;
  double training_activation_bytes = 0;  // activation maps kept for backward
  double training_gradient_bytes = 0;    // max(input-gradient maps, weight gradients)
  double training_bytes = 0;             // maps + weights + gradients
  /// Share of training memory taken by activation maps (the paper's motivation).
  double activation_share() const { return training_bytes > 0 ? training_activation_bytes / training_bytes : 0; }
};

struct CostReport {
  models::ModelSpec spec;
  int64_t batch = 1;
  std::vector<LayerCost> layers;
  CostTotals total;
  CostTotals baseline;                     // same model, same batch, width 1, 32/32
  std::vector<LayerCost> baseline_layers;  // the baseline's layers (for the energy model)
};

/// Builds the model (and its 1x FP32 baseline), runs one forward pass of one image to learn
/// the shapes, and applies the conventions above. Throws std::invalid_argument on a bad spec
/// or batch < 1.
CostReport estimate_cost(const models::ModelSpec& spec, int64_t batch);

/// The baseline every ratio is taken against: `spec`'s network at 1x width in FP32 (no
/// per-layer bits or stage widths, WRPN's quantizer, i.e. plain ReLU layers).
models::ModelSpec fp32_baseline(const models::ModelSpec& spec);

nlohmann::json to_json(const CostReport& report);
/// "text" (aligned table), "csv" (one row per layer plus a total row) or "json".
std::string format_report(const CostReport& report, const std::string& format);

}  // namespace measure
}  // namespace wrpn
