// Packed activation codes and clip masks: exact round trips, zero padding bits, and refusal
// of values that are not on the quantizer's grid.
#include "wrpn/kernels/code_pack.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cmath>
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
    if (n % 8 != 0) EXPECT_EQ(mask.back() >> (n % 8), 0) << "padding bits, n=" << n;
    apply_mask(mask.data(), g.data(), n, got.data());
    EXPECT_EQ(got, want) << n;
  }
}

class MaskPerTarget : public testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

TEST_P(MaskPerTarget, SimdMasksMatchReferenceBitForBit) {
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

INSTANTIATE_TEST_SUITE_P(AllTargets, MaskPerTarget,
                         testing::ValuesIn(hwy::SupportedAndGeneratedTargets()),
                         [](const testing::TestParamInfo<int64_t>& info) {
                           return std::string(hwy::TargetName(info.param));
                         });

}  // namespace
}  // namespace kernels
}  // namespace wrpn
