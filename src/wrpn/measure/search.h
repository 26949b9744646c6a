// wrpn search: the most accurate configuration of one model under budgets relative to the
// model at 1x width in FP32. The cost model prices every candidate of width x quantizer x bits
// (uniform, then one stage at a time at other bits) and drops what breaks a budget before any
// training; a proxy (a short training on a subset) ranks the rest; the best few are trained
// with the full recipe and the most accurate of them is chosen. This file holds the decisions
// (candidates, budgets, ranking, the Pareto front, the outputs); `wrpn search` runs the
// trainings, resumable, through the sweep runner.
#pragma once

#include <nlohmann/json.hpp>

#include <limits>
#include <map>
#include <string>
#include <vector>

#include "wrpn/measure/sweep_grid.h"
#include "wrpn/models/layer_bits.h"

namespace wrpn {
namespace measure {

/// Upper limits as ratios to the 1x FP32 model; 0 = no limit.
struct SearchBudget {
  double bit_ops = 0;
  double weight_bytes = 0;
  double training_bytes = 0;   // the paper's training memory at the recipe's batch
  double inference_bytes = 0;  // weights + the largest live activation set, one image
  double energy = 0;           // estimated inference energy per image (docs/COST.md, "Energy")
  /// A lower limit: the runtime's measured images/s on this CPU at least this many times the
  /// 1x FP32 network's in LibTorch (1 thread); 0 = no limit, and nothing is measured.
  double min_speedup = 0;
};

struct SearchSpace {
  std::vector<double> widths = {1, 2, 3};
  std::vector<quant::Scheme> quantizers = {quant::Scheme::Wrpn};
  std::vector<Precision> precisions = {{4, 4}, {2, 4}, {2, 2}};
  /// Layer-path patterns of the stages the per-stage step may set apart; empty: the model's
  /// top-level blocks that hold conv or linear layers (vgg_small: stage1.*, stage2.*, stage3.*,
  /// classifier) for the bits, and every width stage for the width.
  std::vector<std::string> stages;
  /// The bits a stage may take instead of the uniform winner's.
  std::vector<Precision> stage_precisions = {{8, 8}, {4, 4}, {2, 2}};
  /// The widths a stage may take instead of the uniform winner's (the model's width stages,
  /// models/registry.h); empty: those of `widths`.
  std::vector<double> stage_widths;
};

struct SearchPlan {
  SearchSpace space;
  SearchBudget budget;
  train::TrainConfig base;   // the full recipe (its model names the model searched); its
                             // validation_fraction is the held-out tail that ranks and chooses
  int64_t proxy_images = 5000;
  int proxy_epochs = 1;
  int top = 3;               // candidates trained fully, besides the best uniform one
};

constexpr double kNotRun = std::numeric_limits<double>::quiet_NaN();

struct CostRatios {
  double bit_ops = 0, weight_bytes = 0, training_bytes = 0, inference_bytes = 0, energy = 0;
  double speedup = kNotRun;  // measured (apply_speed_budget); NaN: not measured
};

struct Candidate {
  std::string id;  // "w2-4-4-pact", "w2-4-4-pact-stage1-8-8": also its run folders' name
  models::ModelSpec spec;
  CostRatios cost;
  std::string stage;        // the per-stage rule ("stage1.*=8/8", "stage3=3x"), empty for a uniform one
  std::string over_budget;  // empty: within every budget; else the first limit it breaks
  /// What ranks and chooses: the accuracy on the held-out tail of the training set
  /// (base.validation_fraction), or on the test set without one.
  double proxy_acc = kNotRun;
  double full_acc = kNotRun;
  /// The test accuracy of the full run: reported, never used to choose.
  double full_test_acc = kNotRun;
  std::string label() const;  // "2x 4/4 pact, stage1.*=8/8"
};

/// The uniform candidates (every width x quantizer x precision; 32/32 is not a candidate),
/// priced and marked against the budget, in a fixed order.
std::vector<Candidate> uniform_candidates(const SearchPlan& plan);

/// The per-stage candidates around `best`: each stage in turn at each stage precision other
/// than `best`'s, then each width stage at each stage width other than `best`'s, priced and
/// marked.
std::vector<Candidate> stage_candidates(const SearchPlan& plan, const Candidate& best);

/// The width candidates of stage_candidates: each width stage of the model (models/registry.h)
/// at each stage width other than `best`'s; with space.stages, only the stages they name
/// ("stage1.*" names stage1).
std::vector<Candidate> stage_width_candidates(const SearchPlan& plan, const Candidate& best);

/// Records each measured speedup (candidate id -> runtime images/s over 1x FP32 LibTorch's) in
/// its candidate, and marks a candidate within the other budgets that is slower than
/// budget.min_speedup ("speedup 1.8x < 2x").
void apply_speed_budget(std::vector<Candidate>& all, const std::map<std::string, double>& speedups,
                        const SearchBudget& budget);

/// The stage patterns of the plan's model: plan.space.stages, or "<block>.*" for each
/// top-level block holding a conv or linear layer.
std::vector<std::string> stage_patterns(const SearchPlan& plan);

/// The run of a candidate: the proxy (limited images and epochs) or the full recipe, in
/// `folder`/proxy/<id> or `folder`/full/<id>.
SweepRun candidate_run(const SearchPlan& plan, const Candidate& c, bool proxy, const std::string& folder);

/// Within budget and proxy-trained, most accurate first (ties: the cheaper in bit-ops, then id).
std::vector<const Candidate*> ranked_by_proxy(const std::vector<Candidate>& all);

/// Candidates within budget that no other beats in both accuracy and bit-ops, by `proxy` or
/// full accuracy, cheapest first.
std::vector<const Candidate*> pareto_front(const std::vector<Candidate>& all, bool proxy);

/// Spearman's rank correlation of two equally long lists (average ranks for ties); NaN for
/// fewer than 2 values.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

struct SearchResult {
  std::vector<Candidate> candidates;
  const Candidate* chosen = nullptr;  // the most accurate fully trained one
  const Candidate* best_uniform = nullptr;  // the most accurate fully trained uniform one
  double proxy_full_spearman = kNotRun;     // over the fully trained candidates (3 or more)
};

/// Picks the chosen candidate and the statistics from candidates whose runs are done.
void conclude(SearchResult& r);

/// search.json, search.md (the table and the Pareto front), pareto.svg (accuracy against
/// bit-ops), chosen.json (a config `wrpn train --config` runs); returns their paths.
std::vector<std::string> write_search_files(const std::string& folder, const SearchPlan& plan,
                                            const SearchResult& r, const std::string& command);

}  // namespace measure
}  // namespace wrpn
