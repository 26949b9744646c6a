// The .wrpn format: weight-code packing against hand-computed bytes, write/read round trip,
// and every class of bad input rejected with its own message.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "tiny_model.h"
#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime {
namespace {

using testing::refresh_checksum;
using testing::tiny_model;

std::string error_of(const std::vector<uint8_t>& bytes) {
  try {
    read_model(bytes.data(), bytes.size());
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(WeightCodes, PackedBytesMatchHandComputedTable) {
  // 2 bits, LSB first: 1 -> 01, -1 -> 11, 0 -> 00, 1 -> 01  => 0b01'00'11'01.
  const int8_t two[] = {1, -1, 0, 1};
  EXPECT_EQ(pack_signed_codes(two, 4, 2), std::vector<uint8_t>({0x4D}));
  // 4 bits: -7 -> 1001, 7 -> 0111  => 0x79.
  const int8_t four[] = {-7, 7};
  EXPECT_EQ(pack_signed_codes(four, 2, 4), std::vector<uint8_t>({0x79}));
  // 1 bit stores the sign: +1 -> 0, -1 -> 1.
  const int8_t one[] = {1, -1, -1, 1, 1, 1, 1, -1, -1};
  EXPECT_EQ(pack_signed_codes(one, 9, 1), std::vector<uint8_t>({0x86, 0x01}));
  // 3 bits straddle bytes: 3 -> 011, -3 -> 101, 2 -> 010; LSB first the stream is
  // 1,1,0, 1,0,1, 0,1 | 0  => 0xAB, 0x00.
  const int8_t three[] = {3, -3, 2};
  EXPECT_EQ(pack_signed_codes(three, 3, 3), std::vector<uint8_t>({0xAB, 0x00}));
}

TEST(WeightCodes, RoundTripEveryWidth) {
  for (int bits = 1; bits <= 8; ++bits) {
    const int n = bits == 1 ? 1 : (1 << (bits - 1)) - 1;
    std::vector<int8_t> codes;
    for (int i = 0; i < 37; ++i) codes.push_back(int8_t(bits == 1 ? (i % 3 ? 1 : -1) : (i * 7) % (2 * n + 1) - n));
    const auto packed = pack_signed_codes(codes.data(), codes.size(), bits);
    EXPECT_EQ(packed.size(), (codes.size() * bits + 7) / 8) << bits;
    std::vector<int8_t> back(codes.size());
    unpack_signed_codes(packed.data(), codes.size(), bits, back.data());
    EXPECT_EQ(back, codes) << bits << " bits";
  }
}

TEST(ModelFormat, WriteReadRoundTripIsExact) {
  const ModelFile m = tiny_model(1);
  const std::vector<uint8_t> bytes = write_model(m);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "WRPNMODL");
  EXPECT_EQ(bytes.size() % kDataAlignment, 0u);
  const ModelFile back = read_model(bytes.data(), bytes.size());
  EXPECT_EQ(back.info, m.info);
  ASSERT_EQ(back.nodes.size(), m.nodes.size());
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    EXPECT_EQ(back.nodes[i].op, m.nodes[i].op);
    EXPECT_EQ(back.nodes[i].attrs, m.nodes[i].attrs);
    EXPECT_EQ(back.nodes[i].inputs, m.nodes[i].inputs);
    EXPECT_EQ(back.nodes[i].tensors, m.nodes[i].tensors);
  }
  ASSERT_EQ(back.tensors.size(), m.tensors.size());
  for (size_t i = 0; i < m.tensors.size(); ++i) EXPECT_EQ(back.tensors[i].data, m.tensors[i].data) << i;
  EXPECT_EQ(write_model(back), bytes);  // byte-identical re-serialisation
}

TEST(ModelFormat, RejectsTruncationAtEveryLength) {
  const std::vector<uint8_t> bytes = write_model(tiny_model(2));
  for (size_t cut : {size_t(0), size_t(7), size_t(31), size_t(32), size_t(100), bytes.size() - 1}) {
    const std::vector<uint8_t> part(bytes.begin(), bytes.begin() + long(cut));
    const std::string e = error_of(part);
    EXPECT_NE(e.find("truncated"), std::string::npos) << cut << ": " << e;
  }
}

TEST(ModelFormat, RejectsWrongMagicVersionEndiannessAndChecksum) {
  const std::vector<uint8_t> good = write_model(tiny_model(3));
  auto b = good;
  b[0] = 'X';
  EXPECT_NE(error_of(b).find("wrong magic"), std::string::npos);
  b = good;
  b[8] = 2;  // version 2.1 (tiny_model holds 1.1 ops)
  EXPECT_NE(error_of(b).find("unsupported .wrpn version 2.1"), std::string::npos) << error_of(b);
  b = good;
  std::swap(b[12], b[15]);
  EXPECT_NE(error_of(b).find("byte-order mark 0x04020301"), std::string::npos) << error_of(b);
  b = good;
  b[good.size() - 70] ^= 0x10;  // a flipped bit in a payload
  EXPECT_NE(error_of(b).find("checksum mismatch"), std::string::npos) << error_of(b);
}

// Edits a field of the body and fixes the checksum, so the structural checks must catch it.
std::vector<uint8_t> with_u32(std::vector<uint8_t> b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
  refresh_checksum(b);
  return b;
}

size_t find_u32(const std::vector<uint8_t>& b, size_t from, uint32_t v) {
  for (size_t i = from; i + 4 <= b.size(); ++i) {
    uint32_t x = 0;
    std::memcpy(&x, &b[i], 4);
    if (x == v) return i;
  }
  return b.size();
}

TEST(ModelFormat, RejectsOutOfRangeShapesOffsetsReferencesAndOps) {
  const ModelFile m = tiny_model(4);
  const std::vector<uint8_t> good = write_model(m);
  const size_t body = kHeaderBytes;
  const size_t input_at = body + 4 + m.info.size();  // input channels
  EXPECT_NE(error_of(with_u32(good, input_at, 0)).find("input channels = 0 outside 1..65536"), std::string::npos);
  EXPECT_NE(error_of(with_u32(good, input_at + 4, 7)).find("value 0 must be the float input"), std::string::npos)
      << error_of(with_u32(good, input_at + 4, 7));

  // Locate the first tensor record: after the input spec and the value table.
  const size_t values_at = input_at + 12 + 8 * size_t(m.input.channels);
  const size_t tensors_at = values_at + 4 + 16 * m.values.size();
  const size_t rank0 = m.tensors[0].dims.size();
  const size_t offset_at = tensors_at + 4 + 4 + 4 * rank0;
  const std::string offset_err = error_of(with_u32(good, offset_at, 0x00FFFFFF));
  EXPECT_NE(offset_err.find("outside the data section"), std::string::npos) << offset_err;
  const std::string size_err = error_of(with_u32(good, offset_at + 8, 5));
  EXPECT_NE(size_err.find("tensor 0: size 5 bytes, its shape needs"), std::string::npos) << size_err;
  // Dims (4, 3, 3, 2) -> (2, 3, 3, 4): same payload size, wrong shape for the conv.
  const std::string dim_err = error_of(with_u32(with_u32(good, tensors_at + 4 + 4, 2), tensors_at + 4 + 4 + 12, 4));
  EXPECT_NE(
      dim_err.find(
          "node 0 (conv2d): weight tensor 0 has the wrong shape float32 (2, 3, 3, 4), expected float32 (4, 3, 3, 2)"),
      std::string::npos)
      << dim_err;

  // The node table: the first node's op and its input reference.
  size_t nodes_at = tensors_at + 4;
  for (const auto& t : m.tensors) nodes_at += 4 + 4 * t.dims.size() + 16;
  ASSERT_EQ(find_u32(good, nodes_at + 4, uint32_t(Op::kConv2d)), nodes_at + 4);
  const std::string op_err = error_of(with_u32(good, nodes_at + 4, 77));
  EXPECT_NE(op_err.find("node 0: unknown op 77"), std::string::npos) << op_err;
  const std::string ref_err = error_of(with_u32(good, nodes_at + 4 + 8, 9999));
  EXPECT_NE(ref_err.find("input value 9999 is not defined"), std::string::npos) << ref_err;
  const std::string attr_err = error_of(with_u32(good, nodes_at + 4 + 4 + 4 + 4 + 4 + 4 + 4 * 5, 9));  // weight_bits
  EXPECT_NE(attr_err.find("weight_bits = 9"), std::string::npos) << attr_err;
}

TEST(ModelFormat, WriterRefusesAnInvalidGraph) {
  ModelFile m = tiny_model(5);
  m.nodes[2].inputs[1] = 40;  // add reads a value that does not exist
  try {
    write_model(m);
    FAIL() << "write_model accepted a dangling reference";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("node 2 (add): input value 40"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wrpn::runtime
