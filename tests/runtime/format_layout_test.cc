// The rules of docs/FORMAT.md the reader enforces on the file's bytes beyond the fields
// themselves: the version rule, exact attribute counts, 64-byte aligned non-overlapping
// payloads, zero padding, zero trailing code bits, the weight-code range, reserved fields.
#include <gtest/gtest.h>

#include <string>

#include "file_edit.h"
#include "model_sketch.h"
#include "tiny_model.h"
#include "wrpn/runtime/runtime.h"

namespace wrpn::runtime {
namespace {

using namespace testing;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string write_error(const ModelFile& m) {
  try {
    write_model(m);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FormatLayout, NewerMinorVersionIsRefusedNamingBothVersions) {
  auto b = write_model(tiny_model(20));
  b[10] = 3;  // version 1.3; the header is outside the checksum
  EXPECT_TRUE(has(read_error(b), ".wrpn version 1.3 is newer than this runtime, which reads versions 1.0 .. 1.2"))
      << read_error(b);
  ModelFile m = tiny_model(20);
  m.version_minor = 3;
  EXPECT_TRUE(has(write_error(m), "1.3 is newer")) << write_error(m);  // nor writes what it cannot read
}

TEST(FormatLayout, TrailingAttributeIsRejectedNamingTheNode) {
  const ModelFile m = with_padding_room(tiny_model(21), 8);
  const FileLayout l = layout_of(m);
  // Node 3 (max_pool) gets a fourth attribute: count 3 -> 4 and one i32 after its attributes.
  auto b = insert_in_tables(write_model(m), l, l.attr_at(3, 3), {0, 0, 0, 0});
  b = with_u32(b, l.attr_count_at[3], 4);
  EXPECT_TRUE(has(read_error(b), "node 3 (max_pool): expects 3 attributes, has 4")) << read_error(b);
}

TEST(FormatLayout, PayloadsMustStartOn64ByteBoundaries) {
  const ModelFile m = tiny_model(22);
  const FileLayout l = layout_of(m);
  const auto b = with_u64(write_model(m), l.tensor_offset_field(m, 1), l.payload_at[1] + 4);
  EXPECT_TRUE(has(read_error(b), "tensor 1: payload [" + std::to_string(l.payload_at[1] + 4) +
                                     ", +16) does not start on a multiple of 64"))
      << read_error(b);
}

TEST(FormatLayout, OverlappingPayloadsAreRejected) {
  const ModelFile m = tiny_model(23);
  const FileLayout l = layout_of(m);
  const auto b = with_u64(write_model(m), l.tensor_offset_field(m, 2), l.payload_at[1]);  // bias onto scale
  EXPECT_TRUE(
      has(read_error(b), "tensor 2: payload [" + std::to_string(l.payload_at[1]) + ", +16) overlaps tensor 1's"))
      << read_error(b);
}

TEST(FormatLayout, PaddingMustBeZeroBeforeBetweenAndAfterPayloads) {
  const ModelFile m = with_padding_room(tiny_model(24), 8);
  const FileLayout l = layout_of(m);
  const auto good = write_model(m);
  const size_t before = l.tables_end + 1;
  const size_t between = l.payload_at[0] + m.tensors[0].payload_bytes();  // 288-byte payload, 32 bytes of padding
  const size_t after = good.size() - 1;                                   // the last payload is 12 bytes
  ASSERT_LT(l.payload_at.back() + m.tensors.back().payload_bytes(), after);
  EXPECT_TRUE(has(read_error(with_u8(good, before, 1)), "padding byte at offset " + std::to_string(before) +
                                                            " between the tables and the data offset is 0x01"));
  EXPECT_TRUE(has(read_error(with_u8(good, between, 2)), "padding byte at offset " + std::to_string(between) +
                                                             " after tensor 0's payload is 0x02, must be zero"))
      << read_error(with_u8(good, between, 2));
  EXPECT_TRUE(
      has(read_error(with_u8(good, after, 3)), "offset " + std::to_string(after) + " after the last payload is 0x03"));
}

TEST(FormatLayout, FileSizeMustBeAMultipleOf64) {
  auto b = write_model(tiny_model(25));
  b.push_back(0);
  b = with_u64(b, 16, b.size() - kHeaderBytes);  // a consistent body size, so the size rule itself is what fails
  EXPECT_TRUE(has(read_error(b), "file size " + std::to_string(b.size()) + " is not a multiple of 64"))
      << read_error(b);
  b.resize(b.size() + 63, 0);  // more zero padding is still a valid file
  b = with_u64(b, 16, b.size() - kHeaderBytes);
  EXPECT_EQ(read_error(b), "(no error)");
}

// x (3, 1, 1) -> linear with three 3-bit weight codes: 9 bits, so 7 unused bits in byte 1.
ModelFile three_codes(int bits, std::vector<int8_t> codes) {
  Sketch s(3, 1, 1);
  const uint32_t w = s.codes({1, 3}, bits, codes);
  s.node(Op::kLinear, {0}, {1, bits, 0, 32}, {w, s.floats({1}, {1.0f}), s.floats({1}, {0.0f})},
         s.value(ValueKind::kFloat, 32, 1, 1, 1));
  return s.m;
}

TEST(FormatLayout, UnusedTrailingBitsOfACodePayloadMustBeZero) {
  ModelFile m = three_codes(3, {1, -2, 3});
  const FileLayout l = layout_of(m);
  const auto good = write_model(m);
  const auto b = with_u8(good, l.payload_at[0] + 1, uint8_t(good[l.payload_at[0] + 1] | 0x80));
  EXPECT_TRUE(has(read_error(b), "tensor 0: unused trailing bits of the last payload byte (0x")) << read_error(b);
  m.tensors[0].data[1] |= 0x04;  // bit 10 of the stream: the writer refuses it too
  EXPECT_TRUE(has(write_error(m), "tensor 0: unused trailing bits")) << write_error(m);
}

TEST(FormatLayout, WeightCodeOutsideTheRangeNamesTheTensor) {
  ModelFile m = three_codes(4, {1, 2, 3});
  const FileLayout l = layout_of(m);
  const auto good = write_model(m);
  const auto b = with_u8(good, l.payload_at[0], uint8_t((good[l.payload_at[0]] & 0xF0) | 0x08));  // element 0 -> -8
  EXPECT_TRUE(has(read_error(b), "tensor 0: weight code -8 at element 0 outside -7..7 for 4-bit codes"))
      << read_error(b);
  // A model built in memory is checked the same way by the runtime (before, the kernels'
  // "weight code -8 outside -7..7" named neither the tensor nor the node).
  m.tensors[0].data[1] = 0x08;  // element 2 (bits 8..11) -> -8
  try {
    Runtime rt(m);
    FAIL() << "a -8 code at 4 bits was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(has(e.what(), "tensor 0: weight code -8 at element 2")) << e.what();
  }
}

TEST(FormatLayout, ValueReservedFieldMustBeZero) {
  const ModelFile m = tiny_model(26);
  const FileLayout l = layout_of(m);
  const auto b = with_u16(write_model(m), l.value_at[2] + 2, 7);
  EXPECT_TRUE(has(read_error(b), "value 2: reserved field is 7, must be 0")) << read_error(b);
}

}  // namespace
}  // namespace wrpn::runtime
