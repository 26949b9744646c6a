// Packed formats: layout, offset binary, code sums, and zero padding bits.
#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "kernel_test_util.h"
#include "wrpn/kernels/bit_plane_pack.h"
#include "wrpn/kernels/gemm.h"

namespace wrpn::kernels {
namespace {

bool plane_bit(const BitPlaneRows& rows, int r, int p, int k) { return (rows.plane(r, p)[k / 64] >> (k % 64)) & 1u; }

TEST(BitPlanePacking, OffsetBinaryWeightsAndSignBits) {
  // k_w = 2: n = 1, u = w + 1.
  const GemmPlan p2 = make_gemm_plan(2, 1, 3, GemmVariant::kBitplanePopcount);
  const int8_t w2[3] = {-1, 0, 1};
  const PackedWeights pw2 = pack_weights(p2, w2, 1, 3);
  ASSERT_EQ(pw2.bits.planes, 2);
  EXPECT_EQ(plane_bit(pw2.bits, 0, 0, 0), false);  // u = 0
  EXPECT_EQ(plane_bit(pw2.bits, 0, 1, 0), false);
  EXPECT_EQ(plane_bit(pw2.bits, 0, 0, 1), true);  // u = 1
  EXPECT_EQ(plane_bit(pw2.bits, 0, 1, 1), false);
  EXPECT_EQ(plane_bit(pw2.bits, 0, 0, 2), false);  // u = 2
  EXPECT_EQ(plane_bit(pw2.bits, 0, 1, 2), true);
  // k_w = 1: bit 1 for +1, and sign(0) = +1.
  const GemmPlan p1 = make_gemm_plan(1, 1, 3, GemmVariant::kBitplanePopcount);
  const int8_t w1[3] = {-1, 0, 1};
  const PackedWeights pw1 = pack_weights(p1, w1, 1, 3);
  ASSERT_EQ(pw1.bits.planes, 1);
  EXPECT_FALSE(plane_bit(pw1.bits, 0, 0, 0));
  EXPECT_TRUE(plane_bit(pw1.bits, 0, 0, 1));
  EXPECT_TRUE(plane_bit(pw1.bits, 0, 0, 2));
}

TEST(BitPlanePacking, ActivationPlanesAndCodeSums) {
  const GemmPlan p = make_gemm_plan(1, 2, 5, GemmVariant::kBitplanePopcount);
  const uint8_t a[5] = {0, 1, 2, 3, 1};
  const PackedActivations pa = pack_activations(p, a, 1, 5);
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(plane_bit(pa.bits, 0, 0, k), bool(a[k] & 1)) << k;
    EXPECT_EQ(plane_bit(pa.bits, 0, 1, k), bool(a[k] & 2)) << k;
  }
  ASSERT_EQ(pa.code_sums.size(), 1u);
  EXPECT_EQ(pa.code_sums[0], 7);
}

// Every bit past K in every plane, and every element past K in every byte row, is zero,
// even when the source rows carry non-zero junk past K.
TEST(Padding, PackedRowsArePaddedWithZeros) {
  for (int kw : {1, 2, 4, 8}) {
    for (int ka : {1, 2, 5, 8}) {
      for (GemmVariant v : all_gemm_variants()) {
        if (!gemm_variant_supports(v, kw, ka)) continue;
        for (int k : testing::awkward_sizes()) {
          SCOPED_TRACE(std::string(gemm_variant_name(v)) + " kw=" + std::to_string(kw) + " ka=" + std::to_string(ka) +
                       " K=" + std::to_string(k));
          const int rows = 3;
          const size_t ld = k + 7;
          std::vector<int8_t> w = testing::random_weights(kw, rows * ld, 7 + k);
          std::vector<uint8_t> a = testing::random_acts(ka, rows * ld, 9 + k);
          for (int r = 0; r < rows; ++r)
            for (size_t i = k; i < ld; ++i) {
              w[r * ld + i] = 1;
              a[r * ld + i] = 1;
            }
          const GemmPlan plan = make_gemm_plan(kw, ka, k, v);
          const PackedWeights pw = pack_weights(plan, w.data(), rows, ld);
          const PackedActivations pa = pack_activations(plan, a.data(), rows, ld);
          if (is_bitplane_variant(v)) {
            for (const BitPlaneRows* b : {&pw.bits, &pa.bits}) {
              EXPECT_EQ(b->words_per_plane % kBitPlanePadWords, 0u);
              for (int r = 0; r < rows; ++r)
                for (int p = 0; p < b->planes; ++p)
                  for (size_t bit = k; bit < b->words_per_plane * 64; ++bit)
                    ASSERT_FALSE((b->plane(r, p)[bit / 64] >> (bit % 64)) & 1u) << "bit " << bit;
            }
          } else {
            EXPECT_EQ(pa.bytes.stride % kByteRowPadElements, 0u);
            for (int r = 0; r < rows; ++r)
              for (size_t i = k; i < pa.bytes.stride; ++i) ASSERT_EQ(pa.bytes.row(r)[i], 0) << i;
            if (v == GemmVariant::kQuadChannelLanes) {
              const ChannelQuads& q = pw.quads;
              EXPECT_EQ(q.m_padded % kChannelQuadPadChannels, 0u);
              EXPECT_GE(q.m_padded, size_t(rows) + kChannelQuadPadChannels);
              for (int kk = 0; kk < q.k_quads * 4; ++kk)
                for (size_t mm = 0; mm < q.m_padded; ++mm)
                  if (kk >= k || mm >= size_t(rows)) {
                    ASSERT_EQ(q.at(kk, int(mm)), 0) << kk << "," << mm;
                  }
            } else if (v == GemmVariant::kMaddS16) {
              for (int r = 0; r < rows; ++r)
                for (size_t i = k; i < pw.words.stride; ++i) ASSERT_EQ(pw.words.row(r)[i], 0) << i;
            } else {
              for (int r = 0; r < rows; ++r)
                for (size_t i = k; i < pw.bytes.stride; ++i) ASSERT_EQ(pw.bytes.row(r)[i], 0) << i;
            }
          }
        }
      }
    }
  }
}

// The Highway bit-plane packer against its bit-by-bit twin, on every target.
TEST(BitPlanePacking, OptimisedMatchesReferenceOnEveryTarget) {
  testing::for_each_target([](int64_t) {
    for (int planes : {1, 2, 3, 8}) {
      for (int k : testing::awkward_sizes()) {
        const int rows = 3;
        ByteRows<uint8_t> src(rows, k);
        const auto codes = testing::random_acts(planes, size_t(rows) * k, 100 + k + planes);
        for (int r = 0; r < rows; ++r)
          for (int i = 0; i < k; ++i) src.row(r)[i] = codes[size_t(r) * k + i];
        BitPlaneRows got(rows, k, planes), want(rows, k, planes);
        std::vector<int32_t> got_sums(rows), want_sums(rows);
        pack_bit_planes(src, got, got_sums.data());
        pack_bit_planes_ref(src, want, want_sums.data());
        ASSERT_EQ(got_sums, want_sums) << "K=" << k;
        ASSERT_EQ(0, std::memcmp(got.data.data(), want.data.data(), want.data.size() * sizeof(uint64_t)))
            << "K=" << k << " planes=" << planes;
      }
    }
  });
}

TEST(BitPlanePacking, NibbleSplitKeepsEachNibbleInItsOwnPlane) {
  BitPlaneRows src(1, 70, 1);
  src.plane(0, 0)[0] = 0xA5C3000000000000ull;
  src.plane(0, 0)[1] = 0x3Full;
  const BitPlaneRows s = split_nibbles(src);
  ASSERT_EQ(s.planes, 2);
  EXPECT_EQ(s.plane(0, 0)[0], 0x0503000000000000ull);
  EXPECT_EQ(s.plane(0, 1)[0], 0x0A0C000000000000ull);
  EXPECT_EQ(s.plane(0, 0)[1], 0x0Full);
  EXPECT_EQ(s.plane(0, 1)[1], 0x03ull);
}

TEST(Padding, OverReadConstantsCoverTheWidestVector) {
  EXPECT_EQ(kBitPlanePadWords * 64, 512u);
  EXPECT_EQ(kByteRowPadElements, 64u);
  const ByteRows<uint8_t> rows(2, 65);
  EXPECT_EQ(rows.stride, 128u);
  const BitPlaneRows bits(2, 513, 2);
  EXPECT_EQ(bits.words_per_plane, 16u);
}

}  // namespace
}  // namespace wrpn::kernels
