// Packed activation codes and clip masks: exact round trips, zero padding bits, and refusal
// of values that are not on the quantizer's grid.
#include "wrpn/kernels/code_pack.h"

#include "wrpn/kernels/fake_quantize.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cmath>
#include <cstring>
#include <string>
#include <random>
#include <vector>

namespace wrpn {
namespace kernels {
namespace {

const size_t kCounts[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 257};

TEST(CodePack, StorageBits) {
  const int expected[] = {0, 1, 2, 4, 4, 8, 8, 8, 8};
  for (int k = 1; k <= 8; ++k) EXPECT_EQ(code_storage_bits(k), expected[k]) << k;
  EXPECT_EQ(packed_code_bytes(17, 1), 3u);
  EXPECT_EQ(packed_code_bytes(17, 2), 5u);
  EXPECT_EQ(packed_code_bytes(17, 3), 9u);
  EXPECT_EQ(packed_code_bytes(17, 5), 17u);
}

TEST(CodePack, RoundTripIsExactWithZeroPadding) {
  std::mt19937 gen(4);
  for (int bits = 1; bits <= 8; ++bits) {
    const float levels = float((1 << bits) - 1);
    for (const size_t n : kCounts) {
      std::vector<float> x(n);
      for (auto& v : x) v = float(gen() % unsigned(levels + 1)) / levels;
      std::vector<uint8_t> packed(packed_code_bytes(n, bits) + 1, 0xAB);  // +1: no overrun
      ASSERT_TRUE(pack_codes(x.data(), n, bits, levels, packed.data()));
      EXPECT_EQ(packed.back(), 0xAB) << "wrote past the end, bits=" << bits << " n=" << n;
      const int b = code_storage_bits(bits);
      const size_t used_bits = n * size_t(b);
      const size_t last = packed_code_bytes(n, bits) - 1;
      if (used_bits % 8 != 0) {
        EXPECT_EQ(packed[last] >> (used_bits % 8), 0) << "padding bits, bits=" << bits << " n=" << n;
      }
      std::vector<float> back(n);
      unpack_codes(packed.data(), n, bits, levels, back.data());
      EXPECT_EQ(back, x) << "bits=" << bits << " n=" << n;
    }
  }
}

TEST(CodePack, HandPackedTwoBitCodes) {
  // codes 3, 0, 1, 2, 1 at 2 bits: byte 0 = 3 | 0<<2 | 1<<4 | 2<<6 = 0x93, byte 1 = 1.
  const float x[] = {1.0f, 0.0f, 1.0f / 3, 2.0f / 3, 1.0f / 3};
  uint8_t packed[2];
  ASSERT_TRUE(pack_codes(x, 5, 2, 3.0f, packed));
  EXPECT_EQ(packed[0], 0x93);
  EXPECT_EQ(packed[1], 0x01);
}

TEST(CodePack, OffGridValuesAreRefused) {
  const float image[] = {0.25f, -0.5f};  // 0.25 is not a 2-bit level; -0.5 is negative
  uint8_t packed[1];
  EXPECT_FALSE(pack_codes(image, 1, 2, 3.0f, packed));
  EXPECT_FALSE(pack_codes(image + 1, 1, 8, 255.0f, packed));
  const float above[] = {2.0f};
  EXPECT_FALSE(pack_codes(above, 1, 4, 15.0f, packed));
}

TEST(ClipMask, PacksOneBitPerElementAndAppliesIt) {
  for (const size_t n : kCounts) {
    std::vector<float> x(n), g(n), want(n), got(n);
    for (size_t i = 0; i < n; ++i) {
      x[i] = float(int(i % 5) - 1) * 0.5f;  // -0.5, 0, 0.5, 1, 1.5 ...
      g[i] = float(i + 1);
      want[i] = (x[i] >= 0.0f && x[i] <= 1.0f) ? g[i] : 0.0f;
    }
    std::vector<uint8_t> mask(packed_mask_bytes(n));
    pack_clip_mask(x.data(), n, 0.0f, 1.0f, mask.data());
    if (n % 8 != 0) {
      EXPECT_EQ(mask.back() >> (n % 8), 0) << "padding bits, n=" << n;
    }
    apply_mask(mask.data(), g.data(), n, got.data());
    EXPECT_EQ(got, want) << n;
  }
}

class CodePackPerTarget : public testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

TEST_P(CodePackPerTarget, SimdMasksMatchReferenceBitForBit) {
  std::mt19937 gen(9);
  std::uniform_real_distribution<float> dist(-0.5f, 1.5f);
  for (const size_t n : kCounts) {
    std::vector<float> x(n), g(n);
    for (size_t i = 0; i < n; ++i) {
      x[i] = i % 7 == 0 ? 1.0f : dist(gen);  // bounds included
      g[i] = dist(gen);
    }
    std::vector<uint8_t> fast(packed_mask_bytes(n)), ref(packed_mask_bytes(n));
    pack_clip_mask(x.data(), n, 0.0f, 1.0f, fast.data());
    pack_clip_mask_ref(x.data(), n, 0.0f, 1.0f, ref.data());
    ASSERT_EQ(fast, ref) << hwy::TargetName(GetParam()) << " n=" << n;
    std::vector<float> out_fast(n), out_ref(n);
    apply_mask(fast.data(), g.data(), n, out_fast.data());
    apply_mask_ref(ref.data(), g.data(), n, out_ref.data());
    ASSERT_EQ(out_fast, out_ref) << hwy::TargetName(GetParam()) << " n=" << n;
  }
}

// Interleaving: SIMD against the scalar twins, lengths around vector and chunk sizes.
TEST_P(CodePackPerTarget, SimdInterleavingMatchesReferenceBitForBit) {
  std::mt19937 gen(11);
  const size_t counts[] = {1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200, 1023, 1024, 1025, 2100};
  for (const int b : {1, 2, 4}) {
    for (const size_t n : counts) {
      std::vector<uint8_t> codes(n);
      for (auto& c : codes) c = uint8_t(gen() % (1u << b));
      const size_t bytes = (n * size_t(b) + 7) / 8;
      std::vector<uint8_t> fast(bytes + 1, 0xCD), ref(bytes + 1, 0xCD);  // +1: no overrun
      interleave_codes(codes.data(), n, b, fast.data());
      interleave_codes_ref(codes.data(), n, b, ref.data());
      ASSERT_EQ(fast, ref) << hwy::TargetName(GetParam()) << " b=" << b << " n=" << n;
      std::vector<uint8_t> back_fast(n + 1, 0xCD), back_ref(n + 1, 0xCD);
      spread_codes(fast.data(), n, b, back_fast.data());
      spread_codes_ref(ref.data(), n, b, back_ref.data());
      ASSERT_EQ(back_fast, back_ref) << hwy::TargetName(GetParam()) << " b=" << b << " n=" << n;
      back_fast.pop_back();
      ASSERT_EQ(back_fast, codes) << hwy::TargetName(GetParam()) << " b=" << b << " n=" << n;
    }
  }
  // The full float round trip across chunk boundaries, every storage width.
  for (int bits = 1; bits <= 8; ++bits) {
    const float levels = float((1 << bits) - 1);
    const size_t n = 2100;
    std::vector<float> x(n), back(n);
    for (auto& v : x) v = float(gen() % unsigned(levels + 1)) / levels;
    std::vector<uint8_t> packed(packed_code_bytes(n, bits));
    ASSERT_TRUE(pack_codes(x.data(), n, bits, levels, packed.data()));
    unpack_codes(packed.data(), n, bits, levels, back.data());
    ASSERT_EQ(back, x) << hwy::TargetName(GetParam()) << " bits=" << bits;
  }
}

// The fused quantizer forward writes exactly what the three separate kernels write.
TEST_P(CodePackPerTarget, QuantizeAndPackMatchesSeparateKernels) {
  std::mt19937 gen(13);
  std::uniform_real_distribution<float> dist(-0.5f, 1.5f);
  for (const int bits : {1, 2, 3, 4, 8}) {
    const float levels = float((1 << bits) - 1);
    for (const size_t n : {size_t{1}, size_t{9}, size_t{33}, size_t{1023}, size_t{1024}, size_t{1025}, size_t{3000}}) {
      std::vector<float> x(n);
      for (size_t i = 0; i < n; ++i) x[i] = i % 5 == 0 ? float(i % 3) * 0.5f : dist(gen);
      std::vector<float> out(n), want_out(n);
      std::vector<uint8_t> codes(packed_code_bytes(n, bits)), want_codes(codes.size());
      std::vector<uint8_t> mask(packed_mask_bytes(n)), want_mask(mask.size());
      quantize_and_pack(x.data(), n, bits, levels, out.data(), codes.data(), mask.data());
      fake_quantize_ref(x.data(), want_out.data(), n, 0.0f, 1.0f, levels);
      ASSERT_TRUE(pack_codes(want_out.data(), n, bits, levels, want_codes.data()));
      pack_clip_mask_ref(x.data(), n, 0.0f, 1.0f, want_mask.data());
      const std::string where =
          std::string(hwy::TargetName(GetParam())) + " bits=" + std::to_string(bits) + " n=" + std::to_string(n);
      ASSERT_EQ(std::memcmp(out.data(), want_out.data(), n * sizeof(float)), 0) << where;
      ASSERT_EQ(codes, want_codes) << where;
      ASSERT_EQ(mask, want_mask) << where;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTargets, CodePackPerTarget, testing::ValuesIn(hwy::SupportedAndGeneratedTargets()),
                         [](const testing::TestParamInfo<int64_t>& info) {
                           return std::string(hwy::TargetName(info.param));
                         });

}  // namespace
}  // namespace kernels
}  // namespace wrpn
