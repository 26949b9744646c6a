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
  EXPECT_EQ(error_of([&] { g.validate(); }), "a sweep needs at least one model, width, precision and seed");
  EXPECT_EQ(error_of([] {
              read_sweep_grid(nlohmann::json{{"widthz", {1}}}, "s.json");
            }),
            "s.json: unknown sweep key 'widthz'");
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

}  // namespace
}  // namespace measure
}  // namespace wrpn
