// Per-layer accounting of a built model: shapes, bits, parameters, MACs, packed weight bytes.
// Counting conventions (also in docs/MODELS.md):
//  - MACs: one multiply-accumulate per weight per output position of conv and linear layers;
//    batch norm, pooling, activations and residual adds are not counted.
//  - Weight bytes: a layer's weights at its precision, packed (ceil(params * bits / 8));
//    batch-norm parameters and biases at 32 bits.
//  - Bit-operations: MACs x weight bits x input activation bits; the first layer's input is the
//    32-bit image, every other layer's input is counted at the activation precision.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "wrpn/models/model_spec.h"

namespace wrpn {
namespace models {

struct LayerSummary {
  std::string name;
  std::string kind;  // "conv", "linear", "batchnorm"
  std::vector<int64_t> weight_shape;
  std::vector<int64_t> input_shape;   // per sample, no batch dimension
  std::vector<int64_t> output_shape;  // per sample, no batch dimension
  int weight_bits = 32;
  int input_bits = 32;   // of the activation quantizer the input last went through (the image: 32)
  int output_bits = 32;  // of the one after the layer (none: its input's)
  int64_t params = 0;
  int64_t macs = 0;
  double weight_bytes = 0;
  double bit_ops = 0;
};

struct ModelSummary {
  std::vector<LayerSummary> layers;
  int64_t params = 0;
  int64_t macs = 0;
  double weight_bytes = 0;
  double bit_ops = 0;
};

/// Walks the network's description (nn/graph_sink.h) from a spec.in_channels x
/// spec.input_size^2 input: shapes follow from it, without a forward pass. Every conv, linear
/// and batch-norm layer is a row, in registration order. Throws nn::DescribeError naming the
/// layer whose shapes do not fit or that is not a wrpn block.
ModelSummary summarize(const Network& model, const ModelSpec& spec);

nlohmann::json to_json(const ModelSummary& summary);

/// A human-readable table with totals.
std::string format_table(const ModelSummary& summary);

}  // namespace models
}  // namespace wrpn
