// A sweep: models x widths x (weight bits, activation bits) x quantizers x seeds, each a
// training run in a folder of its own under the sweep folder.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "wrpn/quant/scheme.h"
#include "wrpn/train/train_config.h"

namespace wrpn {
namespace measure {

struct Precision {
  int weight_bits = 32;
  int activation_bits = 32;
  std::string label() const;  // "4/4"
};

/// Parses "WBITS/ABITS"; throws std::invalid_argument naming the text otherwise.
Precision parse_precision(const std::string& text);

/// The most runs one grid may expand to (the paper's grids are a few hundred).
constexpr int64_t kMaxSweepRuns = 10000;

struct SweepGrid {
  std::vector<std::string> models = {"vgg_small"};
  std::vector<double> widths = {1, 2, 3};
  std::vector<Precision> precisions = {{32, 32}, {8, 8}, {4, 4}, {4, 2}, {2, 4}, {2, 2}, {1, 1}};
  std::vector<uint64_t> seeds = {1, 2};
  /// The quantizers to compare (quant/scheme.h). A 32/32 precision has none: it runs once.
  std::vector<quant::Scheme> quantizers = {quant::Scheme::Wrpn};
  /// Everything else every run shares (epochs, optimiser, data, limits ...).
  train::TrainConfig base;

  /// Throws std::invalid_argument naming the first bad entry (unknown model, bits outside
  /// 1..8/32, width <= 0, an empty list, a repeated entry, two widths that name their runs
  /// alike, more than kMaxSweepRuns runs).
  void validate() const;
};

/// Reads {"models": [...], "widths": [...], "precisions": ["4/4", ...], "seeds": [...],
/// "quantizers": ["wrpn", "pact", ...], "train": {train config keys}}; unknown keys, and lists of anything else than model names,
/// numbers, "W/A" strings and non-negative integer seeds, are errors naming the key.
SweepGrid read_sweep_grid(const nlohmann::json& json, const std::string& source);

struct SweepRun {
  std::string id;  // "vgg_small-w2-4-4-s1", "vgg_small-w2-4-4-pact-s1": also the run's folder name
  std::string model;
  double width = 1;
  Precision precision;
  quant::Scheme quantizer = quant::Scheme::Wrpn;
  uint64_t seed = 1;
  train::TrainConfig config;  // out = <sweep folder>/runs/<id>
};

/// Every run of the grid, in a fixed order (model, width, precision, quantizer, seed).
std::vector<SweepRun> expand(const SweepGrid& grid, const std::string& sweep_folder);

}  // namespace measure
}  // namespace wrpn
