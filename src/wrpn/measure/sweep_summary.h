// Turns finished sweep runs into the table the paper argues with: accuracy (mean and standard
// deviation over seeds) against cost, Pareto points marked, as CSV, JSON and markdown.
#pragma once

#include <nlohmann/json.hpp>

#include <limits>
#include <string>
#include <vector>

#include "wrpn/measure/sweep_grid.h"

namespace wrpn {
namespace measure {

struct RunResult {
  SweepRun run;
  double test_acc = 0;
  double test_loss = 0;
  int64_t epochs = 0;
  double seconds = 0;
  /// On the held-out tail of the training set (validation_fraction); NaN without one.
  double val_acc = std::numeric_limits<double>::quiet_NaN();
};

struct ConfigSummary {
  std::string model;
  double width = 1;
  Precision precision;
  quant::Scheme quantizer = quant::Scheme::Wrpn;
  /// "4/4", or "4/4 pact" under another quantizer than WRPN's.
  std::string config_label() const;
  int runs = 0;
  double acc_mean = 0;
  double acc_std = 0;  // sample standard deviation over seeds (0 for one seed)
  double weight_bytes = 0;
  double weight_bytes_ratio = 0;  // to the same model at 1x 32/32
  double macs_ratio = 0;
  double bit_ops_ratio = 0;
  double mac_cost_ratio = 0;
  double training_bytes_ratio = 0;
  /// No other configuration of the same model is at least as accurate and cheaper.
  bool pareto_compute = false;  // cost = bit-operations
  bool pareto_bytes = false;    // cost = weight bytes
  /// Mean accuracy >= the mean of the same model's 1x 32/32 runs (when the grid has them).
  bool reaches_baseline = false;
};

/// Reads `<run folder>/result.json` as written by write_run_result.
RunResult read_run_result(const SweepRun& run);
void write_run_result(const RunResult& result);

std::vector<ConfigSummary> summarize_sweep(const std::vector<RunResult>& results);

/// Writes summary.csv, summary.json and summary.md into `folder`.
void write_summary_files(const std::string& folder, const std::vector<ConfigSummary>& summary,
                         const std::string& command);

std::string markdown_table(const std::vector<ConfigSummary>& summary);

}  // namespace measure
}  // namespace wrpn
