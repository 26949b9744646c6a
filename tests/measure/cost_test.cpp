// The cost model on vgg_small, every figure computed by hand, and the paper's ratio.
#include "wrpn/measure/cost.h"

#include <gtest/gtest.h>

namespace wrpn {
namespace measure {
namespace {

const LayerCost& layer(const CostReport& r, const std::string& name) {
  for (const auto& l : r.layers) {
    if (l.name == name) return l;
  }
  throw std::runtime_error("no layer " + name);
}

// vgg_small, width 1, 4-bit weights and activations, 1x28x28 input, batch 2.
TEST(CostModel, VggSmallFourBitByHand) {
  models::ModelSpec spec;
  spec.weight_bits = 4;
  spec.activation_bits = 4;
  const CostReport r = estimate_cost(spec, /*batch=*/2);

  const LayerCost& first = layer(r, "stage1.0");  // conv 1->16 3x3 at 28x28, 32-bit weights
  EXPECT_EQ(first.params, 144);
  EXPECT_EQ(first.macs, 144 * 784);
  EXPECT_EQ(first.weight_bytes, 576);
  EXPECT_EQ(first.input_bits, 32);
  EXPECT_EQ(first.output_bits, 4);
  const LayerCost& inner = layer(r, "stage2.3");  // conv 32->32 at 14x14, 4 bits
  EXPECT_EQ(inner.params, 9216);
  EXPECT_EQ(inner.macs, 9216 * 196);
  EXPECT_EQ(inner.weight_bytes, 9216 * 4 / 8);
  EXPECT_EQ(inner.input_elements, 32 * 196);
  EXPECT_EQ(inner.bit_ops, 9216.0 * 196 * 4 * 4);
  const LayerCost& fc = layer(r, "classifier");  // 64->10 with bias, 32-bit weights
  EXPECT_EQ(fc.weight_bytes, 640 * 4 + 10 * 4);
  EXPECT_EQ(fc.output_bits, 32);

  // Totals (see the derivation in docs/COST.md).
  EXPECT_EQ(r.total.params, 35674);
  EXPECT_EQ(r.total.weight_bytes, 21736);
  EXPECT_EQ(r.total.macs, 2 * 5532544);
  EXPECT_EQ(r.total.bit_ops, 2.0 * (112896.0 * 32 * 32 + 5419008.0 * 4 * 4 + 640.0 * 32 * 4));
  // Largest live set: stage1.3, 16x28x28 in and out at 4 bits: 2 x (6272 + 6272) bytes.
  EXPECT_EQ(r.total.inference_activation_bytes, 25088);
  // Activation maps: inputs of all six layers: 3136 + 6272 + 1568 + 3136 + 784 + 32 per image.
  EXPECT_EQ(r.total.training_activation_bytes, 2 * 14928);
  // max(input-gradient maps 2 x (12544 + 12544) x 4, weight gradients 35674 x 4) = 200704.
  EXPECT_EQ(r.total.training_gradient_bytes, 200704);
  EXPECT_EQ(r.total.training_bytes, 2 * 14928 + 21736 + 200704);
  // The baseline: same model at 32/32.
  EXPECT_EQ(r.baseline.params, 35674);
  EXPECT_EQ(r.baseline.weight_bytes, 35674 * 4);
  EXPECT_EQ(r.baseline.macs, r.total.macs);
}

// The paper: "going from FP32 to 4 bits and doubling the filters increases compute operations
// by 4x, but each operation is 8x more efficient".
TEST(CostModel, PaperRatioTwiceWideAtFourBits) {
  models::ModelSpec wide;
  wide.width = 2;
  wide.weight_bits = 4;
  wide.activation_bits = 4;
  const CostReport r = estimate_cost(wide, 1);
  models::ModelSpec base;
  const CostReport b = estimate_cost(base, 1);
  for (const char* name : {"stage1.3", "stage2.0", "stage2.3", "stage3.0"}) {
    const LayerCost& w = layer(r, name);
    const LayerCost& f = layer(b, name);
    EXPECT_EQ(w.macs, 4 * f.macs) << name;
    EXPECT_DOUBLE_EQ(w.mac_cost / double(w.macs), 1.0 / 8) << name;
    EXPECT_DOUBLE_EQ(w.mac_cost / f.mac_cost, 0.5) << name;
    EXPECT_DOUBLE_EQ(w.bit_ops / f.bit_ops, 4.0 * 16 / 1024) << name;
    EXPECT_DOUBLE_EQ(w.weight_bytes / f.weight_bytes, 4.0 / 8) << name;
  }
  // Baseline of the report is the same model at 1x FP32.
  EXPECT_EQ(r.baseline.macs, b.total.macs);
}

TEST(CostModel, RejectsBadInput) {
  models::ModelSpec spec;
  EXPECT_THROW(estimate_cost(spec, 0), std::invalid_argument);
  spec.weight_bits = 9;
  EXPECT_THROW(estimate_cost(spec, 1), std::invalid_argument);
  EXPECT_THROW(format_report(estimate_cost(models::ModelSpec{}, 1), "xml"), std::invalid_argument);
}

}  // namespace
}  // namespace measure
}  // namespace wrpn
