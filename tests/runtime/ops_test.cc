// The op definitions (src/wrpn/runtime/ops/): the registry knows every op of the format, the
// typed attributes encode in docs/FORMAT.md's file order and decode back, and each shape rule
// gives what the format says. What each op computes is tested in format_semantics_test.cc and
// against the float oracle in runtime_test.cc.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "model_sketch.h"
#include "tiny_model.h"
#include "wrpn/runtime/ops/add.h"
#include "wrpn/runtime/ops/avg_pool.h"
#include "wrpn/runtime/ops/channel_affine.h"
#include "wrpn/runtime/ops/conv2d.h"
#include "wrpn/runtime/ops/flatten.h"
#include "wrpn/runtime/ops/global_avg_pool.h"
#include "wrpn/runtime/ops/linear.h"
#include "wrpn/runtime/ops/max_pool.h"
#include "wrpn/runtime/ops/registry.h"
#include "wrpn/runtime/ops/shortcut_a.h"
#include "wrpn/runtime/ops/softmax.h"

namespace wrpn::runtime::ops {
namespace {

using Attrs = std::vector<int32_t>;
constexpr int32_t kCodes = int32_t(OutMode::kCodes), kRelu = int32_t(OutMode::kRelu);

TEST(OpRegistry, KnowsEveryOpOfTheFormatByNumberAndName) {
  const char* names[] = {"conv2d",  "linear",  "max_pool",       "global_avg_pool", "add",   "shortcut_a",
                         "flatten", "softmax", "channel_affine", "avg_pool",        "concat"};
  for (uint32_t op = 1; op <= 11; ++op) {
    const OpDefinition* d = find_definition(Op(op));
    ASSERT_NE(d, nullptr) << op;
    EXPECT_EQ(uint32_t(d->op), op);
    EXPECT_EQ(std::string(d->name), names[op - 1]);
    EXPECT_EQ(std::string(op_name(Op(op))), names[op - 1]);
    EXPECT_EQ(d->since_minor, op <= 9 ? 0 : 1) << names[op - 1];  // 1.1 added avg_pool and concat
  }
  EXPECT_EQ(find_definition(Op(0)), nullptr);
  EXPECT_EQ(find_definition(Op(12)), nullptr);
  EXPECT_EQ(std::string(op_name(Op(77))), "unknown");
}

TEST(OpAttrs, EncodeInTheFileOrder) {
  const Activation codes3{OutMode::kCodes, 3}, relu{OutMode::kRelu, 32};
  EXPECT_EQ((Conv2dAttrs{16, 3, 5, 2, 1, 4, codes3}.encode()), (Attrs{16, 3, 5, 2, 1, 4, kCodes, 3}));
  EXPECT_EQ((LinearAttrs{10, 32, relu}.encode()), (Attrs{10, 32, kRelu, 32}));
  EXPECT_EQ((MaxPoolAttrs{3, 2, 1}.encode()), (Attrs{3, 2, 1}));
  EXPECT_EQ((AvgPoolAttrs{3, 1, 1}.encode()), (Attrs{3, 1, 1}));
  EXPECT_EQ((ShortcutAAttrs{2, 4, 5}.encode()), (Attrs{2, 4, 5}));
  EXPECT_EQ(AddAttrs{codes3}.encode(), (Attrs{kCodes, 3}));
  EXPECT_EQ(ChannelAffineAttrs{relu}.encode(), (Attrs{kRelu, 32}));
}

TEST(OpAttrs, ActivationOfAQuantizerIsCodesOrAReluAt32Bits) {
  Attrs a;
  Activation::quantizer(4).encode(a);
  Activation::quantizer(32).encode(a);
  Activation::none().encode(a);
  EXPECT_EQ(a, (Attrs{kCodes, 4, kRelu, 32, int32_t(OutMode::kFloat), 32}));
}

// Every node of the all-ops model decodes and encodes back to its own attributes, and the
// registry's check gives its declared output value.
TEST(OpAttrs, DecodeThenEncodeGivesTheNodesAttributes) {
  const ModelFile m = testing::tiny_model(3);
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const Node& n = m.nodes[i];
    const NodeView view(m, n, i);
    Attrs back;
    switch (n.op) {
      case Op::kConv2d:
        back = Conv2dAttrs::decode(view).encode();
        break;
      case Op::kLinear:
        back = LinearAttrs::decode(view).encode();
        break;
      case Op::kMaxPool:
        back = MaxPoolAttrs::decode(view).encode();
        break;
      case Op::kAvgPool:
        back = AvgPoolAttrs::decode(view).encode();
        break;
      case Op::kShortcutA:
        back = ShortcutAAttrs::decode(view).encode();
        break;
      case Op::kAdd:
      case Op::kChannelAffine:
        back = ActivationAttrs::decode(view).encode();
        break;
      default:
        break;  // no attributes
    }
    EXPECT_EQ(back, n.attrs) << "node " << i << " (" << op_name(n.op) << ")";
    const ValueInfo want = m.values[n.output], got = check_node(m, n, i);
    EXPECT_EQ(describe(got), describe(want)) << "node " << i;
  }
}

TEST(OpAttrs, DecodeNamesTheNodeTheAttributeAndItsRange) {
  testing::Sketch s(2, 6, 6);
  s.node(Op::kMaxPool, {0}, {3, 2, 1}, {}, s.value(ValueKind::kFloat, 32, 2, 3, 3));
  s.m.nodes[0].attrs = {3, 65, 1};
  try {
    MaxPoolAttrs::decode(NodeView(s.m, s.m.nodes[0], 0));
    FAIL() << "stride 65 was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "node 0 (max_pool): stride = 65 (attribute 1) outside 1..64");
  }
}

TEST(OpShapes, FollowTheFormatsRules) {
  const ValueInfo x{ValueKind::kCodes, 2, 3, 7, 8};
  const auto shape = [](const ValueInfo& v) { return describe(v); };
  EXPECT_EQ(shape(Conv2dAttrs{5, 3, 2, 2, 1, 2, Activation::none()}.output(x)), "float/32 (5, 4, 5)");
  EXPECT_EQ(shape(LinearAttrs{6, 4, Activation::quantizer(3)}.output(x)), "codes/3 (6, 1, 1)");
  EXPECT_EQ(shape(MaxPoolAttrs{3, 2, 1}.output(x)), "codes/2 (3, 4, 4)");  // rounded down
  EXPECT_EQ(shape(AvgPoolAttrs{3, 2, 1}.output(x)), "float/32 (3, 4, 4)");
  EXPECT_EQ(shape(ShortcutAAttrs{2, 1, 2}.output(x)), "codes/2 (6, 4, 4)");  // ceil(7 / 2)
  EXPECT_EQ(shape(flatten_output(x)), "codes/2 (168, 1, 1)");
  EXPECT_EQ(shape(global_avg_pool_output(x)), "float/32 (3, 1, 1)");
  EXPECT_EQ(shape(AddAttrs{Activation::quantizer(4)}.output(x)), "codes/4 (3, 7, 8)");
  EXPECT_EQ(shape(ChannelAffineAttrs{Activation::quantizer(32)}.output(x)), "float/32 (3, 7, 8)");
  const ValueInfo logits{ValueKind::kFloat, 32, 10, 1, 1};
  EXPECT_EQ(shape(softmax_output(logits)), "float/32 (10, 1, 1)");
}

std::string check_error(const ModelFile& m, size_t node) {
  try {
    check_node(m, m.nodes[node], node);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

// concat: 2..8 inputs of one kind, bits and map size; the output adds their channels.
TEST(OpShapes, ConcatAddsChannelsOfMatchingInputs) {
  testing::Sketch s(2, 4, 4);
  const uint32_t pooled = s.value(ValueKind::kFloat, 32, 2, 2, 2);
  s.node(Op::kMaxPool, {0}, {2, 2, 0}, {}, pooled);
  s.node(Op::kConcat, {0, 0, 0}, {}, {}, s.value(ValueKind::kFloat, 32, 6, 4, 4));
  EXPECT_EQ(describe(check_node(s.m, s.m.nodes[1], 1)), "float/32 (6, 4, 4)");
  s.m.nodes[1].inputs = {0};
  EXPECT_EQ(check_error(s.m, 1), "node 1 (concat): expects 2..8 inputs, has 1");
  s.m.nodes[1].inputs.assign(9, 0);
  EXPECT_EQ(check_error(s.m, 1), "node 1 (concat): expects 2..8 inputs, has 9");
  s.m.nodes[1].inputs = {0, pooled};
  EXPECT_EQ(
      check_error(s.m, 1),
      "node 1 (concat): input 1 float/32 (2, 2, 2) differs from input 0 float/32 (2, 4, 4) in kind, bits, range or map size");
}

// An op added in 1.1 cannot appear in a file that says 1.0: a 1.0 reader would refuse it.
TEST(OpRegistry, OpsNewerThanTheFilesVersionAreRefused) {
  testing::Sketch s(1, 3, 3);
  s.node(Op::kAvgPool, {0}, {3, 1, 1}, {}, s.value(ValueKind::kFloat, 32, 1, 3, 3));
  s.m.version_minor = 1;
  EXPECT_EQ(check_error(s.m, 0), "(no error)");
  s.m.version_minor = 0;
  EXPECT_EQ(check_error(s.m, 0), "node 0 (avg_pool): the op is new in format 1.1, the file says 1.0");
}

}  // namespace
}  // namespace wrpn::runtime::ops
