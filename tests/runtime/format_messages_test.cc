// Every reader error names where it happened, as docs/FORMAT.md promises: the value, the
// tensor, or the node by index and op, with the field and its value.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>

#include "file_edit.h"
#include "model_sketch.h"
#include "tiny_model.h"

namespace wrpn::runtime {
namespace {

using namespace testing;

// Tiny model: node 0 conv2d (3x3, pad 1), 1 conv2d (weight tensor 3, 2-bit), 2 add, 3 max_pool.
class FormatMessages : public ::testing::Test {
 protected:
  void SetUp() override {
    m = tiny_model(40);
    l = layout_of(m);
    good = write_model(m);
  }
  void expect(const std::vector<uint8_t>& bytes, const std::string& part) {
    const std::string e = read_error(bytes);
    EXPECT_NE(e.find(part), std::string::npos) << "want \"" << part << "\", got \"" << e << "\"";
  }
  ModelFile m;
  FileLayout l;
  std::vector<uint8_t> good;
};

TEST_F(FormatMessages, ValueRecordsNameTheValue) {
  expect(with_u8(good, l.value_at[3], 5), "value 3: unknown kind 5");
  expect(with_u8(good, l.value_at[3] + 1, 9), "value 3: 9 bits is not valid for its kind");
  expect(with_u32(good, l.value_at[3] + 8, 0), "value 3: height = 0 outside 1..65536");
}

TEST_F(FormatMessages, TensorRecordsNameTheTensor) {
  expect(with_u8(good, l.tensor_at[2], 3), "tensor 2: unknown type 3");
  expect(with_u8(good, l.tensor_at[3] + 1, 9), "tensor 3: 9 bits is not valid for codes (1..8)");
  expect(with_u16(good, l.tensor_at[3] + 2, 5), "tensor 3: rank 5 outside 1..4");
  expect(with_u32(good, l.tensor_at[2] + 4, 0), "tensor 2: dimension 0 = 0 outside 1..65536");
}

TEST_F(FormatMessages, NodeRecordsNameTheNodeAndItsOp) {
  expect(with_u32(good, l.node_at[2] + 4, 9), "node 2 (add): input count 9 exceeds the limit 8");
  expect(with_u32(good, l.attr_count_at[3], 65), "node 3 (max_pool): attribute count 65 exceeds the limit 64");
}

TEST_F(FormatMessages, AttributeRulesNameTheNodeTheAttributeAndItsRange) {
  expect(with_u32(good, l.attr_at(0, 1), 0), "node 0 (conv2d): kernel_h = 0 (attribute 1) outside 1..64");
  // pad must be below both kernel sides, not only kernel_h.
  expect(with_u32(good, l.attr_at(0, 2), 1), "node 0 (conv2d): pad 1 must be below kernel_h 3 and kernel_w 1");
  expect(with_u32(good, l.attr_at(3, 2), 2), "node 3 (max_pool): pad = 2 (attribute 2) outside 0..1");
  expect(with_u32(good, l.attr_at(2, 1), 9), "node 2 (add): out_bits = 9 (attribute 1) outside 1..8");
  expect(with_u32(good, l.attr_at(2, 0), 0), "node 2 (add): out_bits = 2 (attribute 1) outside 32..32");
}

TEST_F(FormatMessages, TensorRulesNameTheNodeAndTheTensor) {
  expect(with_u32(good, l.attr_at(1, 5), 3),
         "node 1 (conv2d): weight tensor 3 is codes/2 (4, 3, 3, 4), expected codes/3 (4, 3, 3, 4)");
}

TEST(FormatMessagesContent, NonFiniteFloatNamesTheTensorAndElement) {
  ModelFile m = one_linear({1.0f, 2.0f}, 1.0f, 0.0f);
  const FileLayout l = layout_of(m);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  uint32_t bits;
  std::memcpy(&bits, &nan, 4);
  const std::string e = read_error(with_u32(write_model(m), l.payload_at[0] + 4, bits));
  EXPECT_NE(e.find("tensor 0: element 1 is"), std::string::npos) << e;
  EXPECT_NE(e.find("not finite"), std::string::npos) << e;
}

TEST(FormatMessagesContent, GraphOutputMustBeOneFloatPerClass) {
  Sketch s(1, 4, 4);
  s.node(Op::kMaxPool, {0}, {2, 2, 0}, {}, s.value(ValueKind::kFloat, 32, 1, 2, 2));
  try {
    write_model(s.m);
    FAIL() << "a (1, 2, 2) graph output was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(
        std::string(e.what()).find("graph output 1 must name a float value of shape (C, 1, 1), is float/32 (1, 2, 2)"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace wrpn::runtime
