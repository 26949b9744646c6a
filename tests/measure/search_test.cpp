// The decisions of `wrpn search` (measure/search.h) on hand-made numbers: pricing and the
// budget, the stages, the proxy ranking, the Pareto front and Spearman's rank correlation.
#include <gtest/gtest.h>

#include <cmath>

#include "wrpn/measure/search.h"

namespace wrpn {
namespace measure {
namespace {

Candidate point(std::string id, double bit_ops, double proxy, std::string over = "") {
  Candidate c;
  c.id = std::move(id);
  c.cost.bit_ops = bit_ops;
  c.proxy_acc = proxy;
  c.over_budget = std::move(over);
  return c;
}

std::vector<std::string> ids(const std::vector<const Candidate*>& v) {
  std::vector<std::string> out;
  for (const Candidate* c : v) out.push_back(c->id);
  return out;
}

TEST(Search, UniformCandidatesArePricedAndMarkedAgainstTheBudget) {
  SearchPlan plan;
  plan.base.model.name = "lenet5";
  plan.space.widths = {1, 2};
  plan.space.precisions = {{4, 4}, {32, 32}};  // full precision is the baseline, not a candidate
  plan.budget.bit_ops = 0.33;
  const std::vector<Candidate> c = uniform_candidates(plan);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].id, "w1-4-4-wrpn");
  EXPECT_EQ(c[0].label(), "1x 4/4 wrpn");
  // lenet5 1x 4/4: the 32-bit first conv's 86,400 MACs x 1024 plus 194,400 MACs x 16 and the
  // classifier's 840 x 32 x 4, over 281,640 MACs x 1024.
  EXPECT_NEAR(c[0].cost.bit_ops, (86400.0 * 1024 + 194400.0 * 16 + 840.0 * 128) / (281640.0 * 1024), 1e-9);
  EXPECT_EQ(c[0].over_budget, "");
  EXPECT_EQ(c[1].id, "w2-4-4-wrpn");
  EXPECT_EQ(c[1].over_budget, "bit-ops 0.657 > 0.33");
}

TEST(Search, StagesAreTheTopLevelBlocksThatHoldLayers) {
  SearchPlan plan;
  plan.base.model.name = "vgg_small";
  EXPECT_EQ(stage_patterns(plan), (std::vector<std::string>{"stage1.*", "stage2.*", "stage3.*", "classifier"}));
  plan.base.model.name = "lenet5";
  EXPECT_EQ(stage_patterns(plan), (std::vector<std::string>{"conv1", "conv2", "fc1", "fc2", "fc3"}));
  plan.space.stages = {"conv2"};
  EXPECT_EQ(stage_patterns(plan), (std::vector<std::string>{"conv2"}));

  plan.space.stage_precisions = {{8, 8}, {4, 4}};
  plan.space.widths = {1, 2};
  plan.space.precisions = {{4, 4}};
  Candidate best = uniform_candidates(plan)[0];  // 1x 4/4: only 8/8 and width 2 differ
  const std::vector<Candidate> staged = stage_candidates(plan, best);
  ASSERT_EQ(staged.size(), 2u);
  EXPECT_EQ(staged[0].id, "w1-4-4-wrpn-conv2-8-8");
  EXPECT_EQ(staged[0].label(), "1x 4/4 wrpn, conv2=8/8");
  EXPECT_GT(staged[0].cost.bit_ops, best.cost.bit_ops);
  // Then the stage at width 2.
  EXPECT_EQ(staged[1].id, "w1-4-4-wrpn-conv2-w2");
  EXPECT_EQ(staged[1].label(), "1x 4/4 wrpn, conv2=2x");
  EXPECT_EQ(staged[1].spec.stage_width, (std::vector<models::StageWidthRule>{{"conv2", 2.0}}));
  EXPECT_GT(staged[1].cost.bit_ops, best.cost.bit_ops);
  EXPECT_LT(staged[1].cost.bit_ops, uniform_candidates(plan)[1].cost.bit_ops) << "one stage at 2x costs less than all";
  // Without --stages: every width stage of LeNet-5; "name.*" patterns name the width stage.
  plan.space.stages.clear();
  plan.space.stage_precisions = {{4, 4}};
  std::vector<std::string> all;
  for (const Candidate& c : stage_candidates(plan, best)) all.push_back(c.id);
  EXPECT_EQ(all, (std::vector<std::string>{"w1-4-4-wrpn-conv1-w2", "w1-4-4-wrpn-conv2-w2", "w1-4-4-wrpn-fc1-w2",
                                           "w1-4-4-wrpn-fc2-w2"}));
  plan.base.model.name = "vgg_small";
  plan.space.stages = {"stage3.*"};
  Candidate vgg = uniform_candidates(plan)[0];
  ASSERT_EQ(stage_width_candidates(plan, vgg).size(), 1u);
  EXPECT_EQ(stage_width_candidates(plan, vgg)[0].id, "w1-4-4-wrpn-stage3-w2");
}

TEST(Search, TheSpeedBudgetMarksWhatRunsTooSlowAndOnlyWhatWasMeasured) {
  std::vector<Candidate> all = {point("a", 0.2, kNotRun), point("b", 0.1, kNotRun), point("c", 0.3, kNotRun, "bit-ops 2 > 1"),
                                point("d", 0.1, kNotRun)};
  SearchBudget budget;
  budget.min_speedup = 2;
  apply_speed_budget(all, {{"a", 2.5}, {"b", 1.8}, {"c", 0.5}}, budget);
  EXPECT_EQ(all[0].over_budget, "");
  EXPECT_EQ(all[0].cost.speedup, 2.5);
  EXPECT_EQ(all[1].over_budget, "speedup 1.8x < 2x");
  EXPECT_EQ(all[2].over_budget, "bit-ops 2 > 1") << "the first budget broken is the one named";
  EXPECT_EQ(all[2].cost.speedup, 0.5);
  EXPECT_EQ(all[3].over_budget, "");
  EXPECT_TRUE(std::isnan(all[3].cost.speedup)) << "not measured";
}

TEST(Search, RankingSkipsWhatBrokeTheBudgetOrDidNotRun) {
  std::vector<Candidate> all = {point("a", 0.2, 80), point("b", 0.1, 85), point("c", 0.05, 90, "bit-ops 2 > 1"),
                                point("d", 0.1, kNotRun), point("e", 0.05, 85)};
  EXPECT_EQ(ids(ranked_by_proxy(all)), (std::vector<std::string>{"e", "b", "a"}));  // ties: the cheaper first
}

TEST(Search, ParetoFrontKeepsWhatNothingCheaperBeats) {
  std::vector<Candidate> all = {point("A", 0.1, 80), point("B", 0.2, 85), point("C", 0.15, 79), point("D", 0.3, 84),
                                point("E", 0.05, 99, "weight bytes 1 > 0.5")};
  EXPECT_EQ(ids(pareto_front(all, /*proxy=*/true)), (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(pareto_front(all, /*proxy=*/false).empty());  // nothing fully trained
}

TEST(Search, SpearmanUsesAverageRanksForTies) {
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3}, {10, 20, 30}), 1.0);
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3}, {3, 2, 1}), -1.0);
  // ranks (1, 2.5, 2.5, 4) and (1, 3, 2, 4): 4.5 / sqrt(4.5 * 5)
  EXPECT_NEAR(spearman({1, 2, 2, 3}, {1, 3, 2, 4}), 4.5 / std::sqrt(22.5), 1e-12);
  EXPECT_TRUE(std::isnan(spearman({1}, {1})));
  EXPECT_TRUE(std::isnan(spearman({1, 1, 1}, {1, 2, 3})));  // no spread: undefined
}

TEST(Search, ConcludeChoosesTheBestFullyTrainedWithinTheBudget) {
  SearchResult r;
  r.candidates = {point("u1", 0.2, 80), point("u2", 0.1, 82), point("s1", 0.15, 83), point("x", 0.05, 99, "over")};
  r.candidates[2].stage = "stage1.*=8/8";
  r.candidates[0].full_acc = 90;
  r.candidates[1].full_acc = 89;
  r.candidates[2].full_acc = 91;
  r.candidates[3].full_acc = 99;  // over the budget: never the answer
  conclude(r);
  ASSERT_NE(r.chosen, nullptr);
  EXPECT_EQ(r.chosen->id, "s1");
  EXPECT_EQ(r.best_uniform->id, "u1");
  EXPECT_NEAR(r.proxy_full_spearman, spearman({80, 82, 83}, {90, 89, 91}), 1e-12);
}

}  // namespace
}  // namespace measure
}  // namespace wrpn
