// Sweep grids, summaries and Pareto marks (library level).
#include <gtest/gtest.h>

#include "../test_util.h"
#include "wrpn/measure/sweep_grid.h"
#include "wrpn/measure/sweep_summary.h"

namespace wrpn {
namespace measure {
namespace {

using testing_util::error_of;

TEST(SweepGrid, ExpandsInFixedOrderWithOneFolderPerRun) {
  SweepGrid g;
  g.models = {"lenet5"};
  g.widths = {1, 2};
  g.precisions = {{32, 32}, {4, 2}};
  g.seeds = {1, 2};
  const auto runs = expand(g, "sw");
  ASSERT_EQ(runs.size(), 8u);
  EXPECT_EQ(runs[0].id, "lenet5-w1-32-32-s1");
  EXPECT_EQ(runs[3].id, "lenet5-w1-4-2-s2");
  EXPECT_EQ(runs[7].id, "lenet5-w2-4-2-s2");
  EXPECT_EQ(runs[7].config.out, "sw/runs/lenet5-w2-4-2-s2");
  EXPECT_EQ(runs[7].config.model.activation_bits, 2);
  EXPECT_EQ(runs[7].config.seed, 2u);
}

// The quantizer axis: WRPN's runs keep their old names (older sweeps resume), the others add
// theirs; full precision has no quantizer and runs once.
TEST(SweepGrid, QuantizersAreAnAxisAndFullPrecisionRunsOnce) {
  const SweepGrid g = read_sweep_grid(nlohmann::json::parse(R"({"models": ["mlp"], "widths": [1],
      "precisions": ["32/32", "4/4"], "quantizers": ["wrpn", "pact", "lsq"], "seeds": [1]})"),
                                      "s.json");
  const auto runs = expand(g, "sw");
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].id, "mlp-w1-32-32-s1");
  EXPECT_EQ(runs[1].id, "mlp-w1-4-4-s1");
  EXPECT_EQ(runs[2].id, "mlp-w1-4-4-pact-s1");
  EXPECT_EQ(runs[3].id, "mlp-w1-4-4-lsq-s1");
  EXPECT_EQ(runs[0].config.model.quantizer, quant::Scheme::Wrpn);
  EXPECT_EQ(runs[2].config.model.quantizer, quant::Scheme::Pact);
  EXPECT_EQ(runs[3].quantizer, quant::Scheme::Lsq);
  EXPECT_EQ(error_of([] { read_sweep_grid(nlohmann::json::parse(R"({"quantizers": ["xnor"]})"), "s.json"); }),
            "quantizer must be wrpn, dorefa, pact or lsq, got 'xnor'");
  SweepGrid twice = g;
  twice.quantizers = {quant::Scheme::Pact, quant::Scheme::Pact};
  EXPECT_EQ(error_of([&] { twice.validate(); }), "sweep: quantizer pact is listed twice");
  twice.quantizers.clear();
  EXPECT_EQ(error_of([&] { twice.validate(); }),
            "a sweep needs at least one model, width, precision, quantizer and seed");
}

TEST(SweepGrid, BadGridsRejectedClearly) {
  EXPECT_EQ(error_of([] { parse_precision("0/4"); }),
            "weight bits in precision '0/4' must be 1..8 or 32 (full precision), got 0");
  EXPECT_EQ(error_of([] { parse_precision("4/9"); }),
            "activation bits in precision '4/9' must be 1..8 or 32 (full precision), got 9");
  EXPECT_EQ(error_of([] { parse_precision("four"); }), "precision must look like WBITS/ABITS (e.g. 4/4), got 'four'");
  SweepGrid g;
  g.models = {"vgg_small", "alexnet_tiny"};
  EXPECT_EQ(error_of([&] { g.validate(); }), "sweep: unknown model 'alexnet_tiny'");
  g.models = {"vgg_small"};
  g.widths = {1, 0};
  EXPECT_EQ(error_of([&] { g.validate(); }), "sweep: width must be > 0, got 0");
  g.widths = {1};
  g.seeds = {};
  EXPECT_EQ(error_of([&] { g.validate(); }), "a sweep needs at least one model, width, precision, quantizer and seed");
  EXPECT_EQ(error_of([] {
              read_sweep_grid(nlohmann::json{{"widthz", {1}}}, "s.json");
            }),
            "s.json: unknown sweep key 'widthz'");
}

// Found by scripts/fuzz.sh sweep_grid: every run gets a folder of its own, lists hold only what
// they name, and a grid cannot expand into more runs than anyone would run.
TEST(SweepGrid, RunsHaveTheirOwnFoldersAndTheGridIsBounded) {
  SweepGrid g;
  g.models = {"lenet5", "lenet5"};
  EXPECT_EQ(error_of([&] { g.validate(); }), "sweep: model lenet5 is listed twice");
  g.models = {"lenet5"};
  g.widths = {1, 1.0000001};  // both runs would be lenet5-w1-...
  EXPECT_EQ(error_of([&] { g.validate(); }),
            "sweep: width 1.0000001 is listed twice (or two widths both name their runs w1)");
  g.widths = {1};
  g.precisions = {{4, 4}, {4, 4}};
  EXPECT_EQ(error_of([&] { g.validate(); }), "sweep: precision 4/4 is listed twice");
  g.precisions.clear();
  for (int w : {1, 2, 3, 4, 5, 6, 7, 8, 32})
    for (int a : {1, 2, 3, 4, 5, 6, 7, 8, 32}) g.precisions.push_back({w, a});
  g.widths.clear();
  for (int i = 1; i <= 200; ++i) g.widths.push_back(i);
  EXPECT_EQ(error_of([&] { g.validate(); }),
            "sweep: 1 models x 200 widths x 81 precisions x 1 quantizers x 2 seeds = 32400 runs, more than 10000");
  g.widths.resize(60);
  EXPECT_NO_THROW(g.validate());
  EXPECT_EQ(expand(g, "sw").size(), 9720u);

  const auto read_error = [](const char* text) {
    return error_of([&] { read_sweep_grid(nlohmann::json::parse(text), "s.json"); });
  };
  EXPECT_EQ(read_error(R"({"seeds": [-1]})"),
            "s.json: sweep key 'seeds' needs a list of integers 0..18446744073709551615, got -1");
  EXPECT_EQ(read_error(R"({"widths": [true]})"), "s.json: sweep key 'widths' needs a list of numbers, got true");
  EXPECT_EQ(read_error(R"({"precisions": {"a": "4/4"}})"),
            "s.json: sweep key 'precisions' has a value of the wrong type: {\"a\":\"4/4\"}");
  EXPECT_EQ(read_error(R"({"models": ["lenet5", 3]})"), "s.json: sweep key 'models' needs a list of model names, got 3");
}

TEST(SweepSummary, MeanStdBaselineAndPareto) {
  SweepGrid g;
  g.models = {"lenet5"};
  g.widths = {1, 2};
  g.precisions = {{32, 32}, {4, 4}};
  g.seeds = {1, 2};
  const auto runs = expand(g, "unused");
  // Accuracies per run: 1x FP32 {90, 92}, 1x 4/4 {88, 88}, 2x FP32 {93, 93}, 2x 4/4 {91, 92}.
  const double acc[] = {90, 92, 88, 88, 93, 93, 91, 92};
  std::vector<RunResult> results;
  for (size_t i = 0; i < runs.size(); ++i) results.push_back({runs[i], acc[i], 0.3, 2, 1.0});
  const auto rows = summarize_sweep(results);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_DOUBLE_EQ(rows[0].acc_mean, 91);
  EXPECT_DOUBLE_EQ(rows[0].acc_std, std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(rows[1].acc_std, 0);
  EXPECT_TRUE(rows[0].reaches_baseline);
  EXPECT_FALSE(rows[1].reaches_baseline);  // 88 < 91
  EXPECT_TRUE(rows[3].reaches_baseline);   // 91.5 >= 91
  EXPECT_DOUBLE_EQ(rows[0].bit_ops_ratio, 1.0);
  // 1x 4/4 is the cheapest: Pareto. 2x 4/4 (91.5) beats 1x FP32 (91) at lower bit-ops:
  // 1x FP32 is dominated. 2x FP32 is the most accurate: Pareto.
  EXPECT_TRUE(rows[1].pareto_compute);
  EXPECT_FALSE(rows[0].pareto_compute);
  EXPECT_TRUE(rows[2].pareto_compute);
  EXPECT_TRUE(rows[3].pareto_compute);
  EXPECT_LT(rows[3].bit_ops_ratio, 1.0);
}

// Another quantizer's runs are a configuration of their own, named in the table.
TEST(SweepSummary, EachQuantizerIsItsOwnRow) {
  SweepGrid g;
  g.models = {"lenet5"};
  g.widths = {1};
  g.precisions = {{32, 32}, {4, 4}};
  g.quantizers = {quant::Scheme::Wrpn, quant::Scheme::Dorefa};
  g.seeds = {1, 2};
  const auto runs = expand(g, "unused");
  ASSERT_EQ(runs.size(), 6u);  // FP32 x 2 seeds, 4/4 wrpn x 2, 4/4 dorefa x 2
  const double acc[] = {90, 92, 88, 88, 85, 86};
  std::vector<RunResult> results;
  for (size_t i = 0; i < runs.size(); ++i) results.push_back({runs[i], acc[i], 0.3, 2, 1.0});
  const auto rows = summarize_sweep(results);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].config_label(), "4/4");
  EXPECT_EQ(rows[2].config_label(), "4/4 dorefa");
  EXPECT_DOUBLE_EQ(rows[2].acc_mean, 85.5);
  EXPECT_NE(markdown_table(rows).find("| lenet5 | 1x | 4/4 dorefa | 2 | 85.50 ± 0.71 | no |"), std::string::npos)
      << markdown_table(rows);
}

}  // namespace
}  // namespace measure
}  // namespace wrpn
