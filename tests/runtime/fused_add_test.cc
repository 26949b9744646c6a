// The one-pass residual add (add_float_codes_to_codes) against the passes it replaces:
// real_values of the codes, the float sum, the division by the output range, write_outputs.
// Every code at every width, both ranges, and float operands placed on and next to the
// rounding ties of the output quantizer, where a change of arithmetic would show.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "wrpn/kernels/codes.h"
#include "wrpn/runtime/float_ops.h"

namespace wrpn::runtime {
namespace {

std::vector<uint8_t> separate_passes(const std::vector<float>& a, const std::vector<uint8_t>& b, const ValueInfo& bi,
                                     float out_range, int out_bits) {
  std::vector<float> buffer;
  const float* bv = real_values(b.data(), bi, b.size(), buffer);
  std::vector<float> sum(a.size());
  for (size_t i = 0; i < a.size(); ++i) sum[i] = a[i] + bv[i];
  if (out_range != 1.0f) {
    for (float& s : sum) s /= out_range;
  }
  std::vector<uint8_t> out(a.size());
  write_outputs(sum.data(), sum.size(), OutMode::kCodes, out_bits, out.data());
  return out;
}

TEST(FusedAdd, GivesTheCodesOfTheSeparatePassesAtEveryWidthAndOnEveryTie) {
  size_t compared = 0, ties = 0;
  for (int b_bits = 1; b_bits <= 8; ++b_bits) {
    for (int out_bits : {1, 2, 4, 8}) {
      for (float b_range : {1.0f, 2.5f}) {
        for (float out_range : {1.0f, 3.0f}) {
          ValueInfo bi;
          bi.kind = ValueKind::kCodes;
          bi.bits = b_bits;
          bi.range = b_range;
          const int b_max = kernels::act_code_max(b_bits), o_max = kernels::act_code_max(out_bits);
          std::vector<float> a;
          std::vector<uint8_t> b;
          for (int code = 0; code <= b_max; ++code) {
            const float bv = float(code) / float(b_max) * b_range;
            for (int level = -1; level <= o_max + 1; ++level) {
              // a puts the sum on the tie between two output codes, then one float step either side.
              const float tie = (float(level) + 0.5f) / float(o_max) * out_range - bv;
              for (float x : {tie, std::nextafter(tie, -1e9f), std::nextafter(tie, 1e9f), -tie}) {
                a.push_back(x);
                b.push_back(uint8_t(code));
              }
            }
          }
          // An odd count, so the vector loops' tails run too.
          a.push_back(0.3f);
          b.push_back(uint8_t(b_max));
          const std::vector<uint8_t> want = separate_passes(a, b, bi, out_range, out_bits);
          std::vector<uint8_t> got(a.size(), 0xff);
          add_float_codes_to_codes(a.data(), b.data(), bi, out_range, out_bits, a.size(), got.data());
          for (size_t i = 0; i < a.size(); ++i) {
            ASSERT_EQ(int(got[i]), int(want[i])) << "a " << a[i] << " code " << int(b[i]) << " b_bits " << b_bits
                                                 << " out_bits " << out_bits << " ranges " << b_range << ", "
                                                 << out_range;
            ASSERT_LE(int(got[i]), o_max);
          }
          compared += a.size();
          for (size_t i = 1; i < a.size(); ++i) ties += want[i] != want[i - 1];
        }
      }
    }
  }
  EXPECT_GT(compared, 100000u);
  EXPECT_GT(ties, 10000u);  // the operands do straddle code boundaries
}

TEST(FusedAdd, ClipsAtZeroAndAtTheTopCode) {
  ValueInfo bi;
  bi.kind = ValueKind::kCodes;
  bi.bits = 4;
  const std::vector<float> a = {-5.0f, 5.0f, 0.0f, 0.5f};
  const std::vector<uint8_t> b = {15, 0, 0, 0};
  std::vector<uint8_t> got(4);
  add_float_codes_to_codes(a.data(), b.data(), bi, 1.0f, 2, 4, got.data());
  // -5 + 1 clips to 0; 5 clips to 3; 0 is 0; 0.5 * 3 = 1.5 rounds half to even: 2.
  EXPECT_EQ(got, (std::vector<uint8_t>{0, 3, 0, 2}));
}

}  // namespace
}  // namespace wrpn::runtime
