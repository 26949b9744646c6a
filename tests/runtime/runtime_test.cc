// The runtime against an independent float oracle on a graph that uses every op, plus
// threading and memory-plan properties.
#include <gtest/gtest.h>

#include <random>

#include "tiny_model.h"
#include "wrpn/kernels/amx_support.h"
#include "wrpn/kernels/onednn_conv.h"
#include "wrpn/kernels/target_info.h"
#include "wrpn/runtime/profile_table.h"
#include "wrpn/runtime/runtime.h"

namespace wrpn::runtime {
namespace {

std::vector<float> random_input(const ModelFile& m, int batch, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.5f);
  std::vector<float> x(m.values[0].elements() * size_t(batch));
  for (float& v : x) v = u(rng);
  return x;
}

TEST(Runtime, MatchesTheFloatOracleOnEveryOp) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    const ModelFile m = testing::tiny_model(seed);
    const int batch = 7;
    const auto x = random_input(m, batch, seed);
    const auto want = testing::tiny_model_reference(m, x, batch);
    Runtime rt(read_model(write_model(m).data(), write_model(m).size()));
    std::vector<float> got(size_t(batch) * rt.classes());
    rt.run(x.data(), batch, got.data(), 1);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4f) << "seed " << seed << " logit " << i;
  }
}

TEST(Runtime, ThreadsAndBatchSplitsGiveIdenticalLogits) {
  const ModelFile m = testing::tiny_model(9);
  Runtime rt(m);
  const int batch = 9;
  const auto x = random_input(m, batch, 9);
  std::vector<float> one(size_t(batch) * 3), two(one.size()), singles(one.size());
  rt.run(x.data(), batch, one.data(), 1);
  rt.run(x.data(), batch, two.data(), 2);
  for (int b = 0; b < batch; ++b) rt.run(x.data() + b * 72, 1, singles.data() + b * 3, 2);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, singles);
}

// Every kernel tier this machine runs gives the same logits bit for bit: the AMX tier
// (where present), the vector tiers with it masked off, and AVX2 forced.
TEST(Runtime, EveryKernelTierGivesIdenticalLogits) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    const ModelFile m = testing::tiny_model(seed);
    const int batch = 37;
    const auto x = random_input(m, batch, seed);
    std::vector<float> best(size_t(batch) * 3), own_tiles(best.size()), vector_tiers(best.size()), avx2(best.size());
    Runtime(m).run(x.data(), batch, best.data(), 2);
    kernels::set_onednn_disabled(true);  // our own AMX tiles where the CPU has AMX
    Runtime(m).run(x.data(), batch, own_tiles.data(), 2);
    kernels::set_onednn_disabled(false);
    EXPECT_EQ(best, own_tiles) << "seed " << seed;
    kernels::set_amx_disabled(true);
    Runtime(m).run(x.data(), batch, vector_tiers.data(), 2);
    kernels::set_amx_disabled(false);
    EXPECT_EQ(best, vector_tiers) << "seed " << seed << ": " << kernels::amx_status();
    for (int64_t t : kernels::runnable_targets()) {
      if (kernels::target_name(t) != "AVX2") continue;
      kernels::force_target(t);
      Runtime(m).run(x.data(), batch, avx2.data(), 2);
      kernels::force_target(0);
      EXPECT_EQ(best, avx2) << "seed " << seed;
    }
  }
}

TEST(Runtime, LargeBatchesSplitIntoImageGroupsGiveIdenticalLogits) {
  // 6x6 maps: 4096-row groups hold 113 images, so 250 images take three groups per layer.
  const ModelFile m = testing::tiny_model(10);
  Runtime rt(m);
  const int batch = 250;
  const auto x = random_input(m, batch, 10);
  std::vector<float> all(size_t(batch) * 3), singles(all.size());
  rt.run(x.data(), batch, all.data(), 1);
  for (int b = 0; b < batch; ++b) rt.run(x.data() + b * 72, 1, singles.data() + b * 3, 1);
  EXPECT_EQ(all, singles);
}

TEST(Runtime, PixelInputIsNormalisedWithTheFileScaleAndShift) {
  const ModelFile m = testing::tiny_model(11);
  Runtime rt(m);
  std::vector<uint8_t> pixels(72);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i * 37 % 256);
  std::vector<float> normalised(72);
  for (size_t i = 0; i < 72; ++i) normalised[i] = float(pixels[i]) * m.input.scale[i / 36] + m.input.shift[i / 36];
  std::vector<float> a(3), b(3);
  rt.run_pixels(pixels.data(), 1, a.data());
  rt.run(normalised.data(), 1, b.data());
  EXPECT_EQ(a, b);
}

TEST(Runtime, MemoryPlanReusesBuffers) {
  const ModelFile m = testing::tiny_model(12);
  const MemoryPlan plan = plan_memory(m);
  EXPECT_LT(plan.bytes_per_sample(), plan.naive_bytes_per_sample);
  // Every value that is live at the same time as another sits in a different slot: the
  // oracle test above would fail otherwise; here check the plan's own invariant for inputs
  // and outputs of each node.
  for (const Node& n : m.nodes)
    for (uint32_t v : n.inputs) EXPECT_NE(plan.slot_of_value[v], plan.slot_of_value[n.output]);
}

// A profile names every node's op and kernel, counts the images it timed (the first chunk's
// when two threads split the batch), and leaves the logits alone.
TEST(Runtime, ProfileNamesEveryNodeAndItsKernel) {
  const ModelFile m = testing::tiny_model(14);
  Runtime rt(m);
  const int batch = 6;
  const auto x = random_input(m, batch, 14);
  std::vector<float> plain(size_t(batch) * 3), profiled(plain.size());
  rt.run(x.data(), batch, plain.data(), 1);
  rt.set_profiling(true);
  rt.run(x.data(), batch, profiled.data(), 1);
  rt.run(x.data(), batch, profiled.data(), 2);  // two chunks of 3: the first is timed
  rt.set_profiling(false);
  EXPECT_EQ(plain, profiled);
  const std::vector<NodeProfile> p = rt.profile();
  ASSERT_EQ(p.size(), m.nodes.size());
  EXPECT_EQ(p[0].op, "conv2d");
  EXPECT_EQ(p[2].op, "add");
  EXPECT_EQ(p[3].op, "max_pool");
  EXPECT_EQ(p[3].kernel, "");
  for (const NodeProfile& n : p) EXPECT_EQ(n.images, batch + 3) << n.op;
  const bool onednn = kernels::onednn_conv_tier_enabled();
  EXPECT_EQ(p[1].kernel.rfind("oneDNN int8 ", 0) == 0, onednn) << p[1].kernel;  // codes x 2-bit weights
  kernels::set_onednn_disabled(true);
  Runtime own(m);
  own.set_profiling(true);
  own.run(x.data(), batch, profiled.data(), 1);
  kernels::set_onednn_disabled(false);
  EXPECT_EQ(plain, profiled);
  EXPECT_EQ(own.profile()[1].kernel.find("oneDNN"), std::string::npos) << own.profile()[1].kernel;
  EXPECT_FALSE(own.profile()[1].kernel.empty());
  const std::string table = profile_table(own.profile());
  EXPECT_NE(table.find("max_pool"), std::string::npos) << table;
  EXPECT_NE(table.find("share by op: "), std::string::npos) << table;
  EXPECT_EQ(profile_table(Runtime(m).profile()), "no profiled runs\n");
}

TEST(Runtime, RejectsBadBatch) {
  Runtime rt(testing::tiny_model(13));
  float logits[3];
  EXPECT_THROW(rt.run(nullptr, 0, logits), std::invalid_argument);
}

}  // namespace
}  // namespace wrpn::runtime
