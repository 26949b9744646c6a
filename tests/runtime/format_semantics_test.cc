// What docs/FORMAT.md says the ops compute, on hand-made graphs with numbers chosen so that
// another reading of the page would give another answer: the conv index map, the order a
// linear layer reads its input, the summation order and precision, multiply-then-add.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "model_sketch.h"
#include "wrpn/runtime/runtime.h"

namespace wrpn::runtime {
namespace {

using testing::Sketch;

// Runs one image; a spatial result is flattened first (graph outputs are (C, 1, 1)), so it
// comes back in the runtime's (H, W, C) order.
std::vector<float> run_one(ModelFile m, const std::vector<float>& input_nchw) {
  const ValueInfo result = m.values[m.output];
  if (result.height * result.width > 1) {
    m.values.push_back({ValueKind::kFloat, 32, int(result.elements()), 1, 1});
    m.nodes.push_back({Op::kFlatten, {m.output}, uint32_t(m.values.size() - 1), {}, {}});
    m.output = uint32_t(m.values.size() - 1);
  }
  const std::vector<uint8_t> bytes = write_model(m);
  Runtime rt(read_model(bytes.data(), bytes.size()));
  std::vector<float> out(rt.model().values[rt.model().output].elements());
  rt.run(input_nchw.data(), 1, out.data());
  return out;
}

// out[o][y][x] = sum over ky, kx, c of w[o][ky][kx][c] * in[c][y*stride+ky-pad][x*stride+kx-pad],
// zero outside: cross-correlation (no kernel flip), weights stored (out_c, kh, kw, C).
TEST(FormatSemantics, ConvIsCrossCorrelationWithZeroPadding) {
  const int C = 2, H = 5, W = 4, O = 2, KH = 3, KW = 2, S = 2, P = 1;
  const int OH = (H + 2 * P - KH) / S + 1, OW = (W + 2 * P - KW) / S + 1;
  std::vector<float> in(C * H * W), w(O * KH * KW * C);
  for (size_t i = 0; i < in.size(); ++i) in[i] = float(i + 1);
  for (size_t i = 0; i < w.size(); ++i) w[i] = float((i * 5) % 7) - 3.0f;  // small integers: every sum is exact
  Sketch s(C, H, W);
  s.node(Op::kConv2d, {0}, {O, KH, KW, S, P, 32, 0, 32},
         {s.floats({O, KH, KW, C}, w), s.floats({O}, {1.0f, 1.0f}), s.floats({O}, {0.0f, 0.0f})},
         s.value(ValueKind::kFloat, 32, O, OH, OW));
  const std::vector<float> got = run_one(s.m, in);
  for (int o = 0; o < O; ++o)
    for (int y = 0; y < OH; ++y)
      for (int x = 0; x < OW; ++x) {
        float want = 0;
        for (int ky = 0; ky < KH; ++ky)
          for (int kx = 0; kx < KW; ++kx)
            for (int c = 0; c < C; ++c) {
              const int iy = y * S + ky - P, ix = x * S + kx - P;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                want += w[((o * KH + ky) * KW + kx) * C + c] * in[(c * H + iy) * W + ix];
            }
        EXPECT_EQ(got[size_t((y * OW + x) * O + o)], want) << o << " " << y << " " << x;
      }
}

TEST(FormatSemantics, LinearReadsItsInputInHeightWidthChannelOrder) {
  // x (C 2, H 1, W 2), NCHW 1 2 / 3 4: the reduction index k = (h*W + w)*C + c sees 1, 3, 2, 4.
  Sketch s(2, 1, 2);
  const std::vector<float> one_hot = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  s.node(Op::kLinear, {0}, {4, 32, 0, 32},
         {s.floats({4, 4}, one_hot), s.floats({4}, {1, 1, 1, 1}), s.floats({4}, {0, 0, 0, 0})},
         s.value(ValueKind::kFloat, 32, 4, 1, 1));
  EXPECT_EQ(run_one(s.m, {1, 2, 3, 4}), std::vector<float>({1, 3, 2, 4}));
}

TEST(FormatSemantics, FloatLinearSumsInIndexOrderInBinary32) {
  // 2^24 + 1 rounds back to 2^24 (half to even), twice: 2^24, where any other order gives 2^24 + 2.
  EXPECT_EQ(run_one(testing::one_linear({1, 1, 1}, 1.0f, 0.0f), {16777216.0f, 1.0f, 1.0f})[0], 16777216.0f);
  EXPECT_EQ(run_one(testing::one_linear({1, 1, 1}, 1.0f, 0.0f), {1.0f, 1.0f, 16777216.0f})[0], 16777218.0f);
}

TEST(FormatSemantics, ScaleAndBiasAreMultiplyThenAddNotFused) {
  // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11; minus 1 leaves 2^-11. A fused
  // multiply-add would keep the 2^-24.
  const float a = 1.0f + std::ldexp(1.0f, -12);
  EXPECT_EQ(run_one(testing::one_linear({1}, a, -1.0f), {a})[0], std::ldexp(1.0f, -11));
  Sketch s(1, 1, 1);
  s.node(Op::kChannelAffine, {0}, {0, 32}, {s.floats({1}, {a}), s.floats({1}, {-1.0f})},
         s.value(ValueKind::kFloat, 32, 1, 1, 1));
  EXPECT_EQ(run_one(s.m, {a})[0], std::ldexp(1.0f, -11));
}

TEST(FormatSemantics, GlobalAveragePoolSumsInBinary64) {
  Sketch s(1, 1, 3);
  s.node(Op::kGlobalAvgPool, {0}, {}, {}, s.value(ValueKind::kFloat, 32, 1, 1, 1));
  // In binary32 the sum would stay 2^24; in binary64 it is 2^24 + 2, then / 3 and rounded once.
  EXPECT_EQ(run_one(s.m, {16777216.0f, 1.0f, 1.0f})[0], float((16777216.0 + 2.0) / 3.0));
}

TEST(FormatSemantics, SoftmaxShiftsByTheMaximumInBinary32AndSumsInBinary64) {
  Sketch s(3, 1, 1);
  s.node(Op::kSoftmax, {0}, {}, {}, s.value(ValueKind::kFloat, 32, 3, 1, 1));
  const std::vector<float> x = {0.1f, 2.5f, -1.25f};
  double total = 0;
  for (float v : x) total += std::exp(double(v - 2.5f));
  const std::vector<float> got = run_one(s.m, x);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(got[size_t(i)], float(std::exp(double(x[size_t(i)] - 2.5f)) / total)) << i;
}

TEST(FormatSemantics, MaxPoolIgnoresPaddingAndRoundsItsOutputSizeDown) {
  // 5 x 5, kernel 2, stride 2, pad 1: (5 + 2 - 2) / 2 + 1 = 3 per side; corners see one tap.
  std::vector<float> in(25);
  for (size_t i = 0; i < in.size(); ++i) in[i] = -1.0f - float(i);  // all negative: a zero pad would win
  Sketch s(1, 5, 5);
  s.node(Op::kMaxPool, {0}, {2, 2, 1}, {}, s.value(ValueKind::kFloat, 32, 1, 3, 3));
  EXPECT_EQ(run_one(s.m, in), std::vector<float>({-1, -2, -4, -6, -7, -9, -16, -17, -19}));
  Sketch floor(1, 5, 5);  // without padding: (5 - 2) / 2 + 1 = 2, not 3
  floor.node(Op::kMaxPool, {0}, {2, 2, 0}, {}, floor.value(ValueKind::kFloat, 32, 1, 3, 3));
  try {
    write_model(floor.m);
    FAIL() << "a 3 x 3 max_pool output of a 5 x 5 input with kernel 2, stride 2, pad 0 was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("but the op produces float/32 (1, 2, 2)"), std::string::npos) << e.what();
  }
}

TEST(FormatSemantics, AvgPoolCountsPaddingAsZerosAndDividesByKernelSquared) {
  // 3 x 3, kernel 3, stride 1, pad 1: the corner (0, 0) sees taps 1, 2, 4, 5 -> 12 / 9, not
  // 12 / 4 (torch's count_include_pad); the centre sees all nine -> 45 / 9 = 5.
  Sketch s(1, 3, 3);
  s.node(Op::kAvgPool, {0}, {3, 1, 1}, {}, s.value(ValueKind::kFloat, 32, 1, 3, 3));
  const std::vector<float> got = run_one(s.m, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(got, std::vector<float>({float(12.0 / 9), float(21.0 / 9), float(16.0 / 9), float(27.0 / 9), 5.0f,
                                     float(33.0 / 9), float(24.0 / 9), float(39.0 / 9), float(28.0 / 9)}));
  // In binary32 2^24 + 1 + 1 stays 2^24; the format sums in binary64 and rounds once.
  Sketch wide(1, 1, 3);
  wide.node(Op::kAvgPool, {0}, {3, 1, 1}, {}, wide.value(ValueKind::kFloat, 32, 1, 1, 3));
  EXPECT_EQ(run_one(wide.m, {16777216.0f, 1.0f, 1.0f})[1], float((16777216.0 + 2.0) / 9.0));
}

TEST(FormatSemantics, AvgPoolOfCodesAveragesTheirRealValues) {
  // A 2-bit channel_affine turns x into codes round(clamp(x) * 3); avg_pool of codes 0, 1, 2, 3
  // (values 0, 1/3, 2/3, 1) over one 2 x 2 window is (0 + 1 + 2 + 3) / 3 / 4 = 0.5.
  Sketch s(1, 2, 2);
  const uint32_t scale = s.floats({1}, {1.0f}), bias = s.floats({1}, {0.0f});
  const uint32_t codes = s.value(ValueKind::kCodes, 2, 1, 2, 2);
  s.node(Op::kChannelAffine, {0}, {int32_t(OutMode::kCodes), 2}, {scale, bias}, codes);
  s.node(Op::kAvgPool, {codes}, {2, 1, 0}, {}, s.value(ValueKind::kFloat, 32, 1, 1, 1));
  EXPECT_EQ(run_one(s.m, {0.0f, 1.0f / 3, 2.0f / 3, 1.0f})[0],
            float((0.0 + double(1.0f / 3) + double(2.0f / 3) + 1.0) / 4));
}

// Format 1.2: a code value's range is the real value of its largest code. channel_affine's
// stored scale and bias already include it (it writes codes of y clipped at 1); add reads each
// operand as code * range / L and writes codes of its sum over its own range; the pools read
// code * range / L.
TEST(FormatSemantics, CodeRangesScaleWhatAddAndThePoolsRead) {
  Sketch s(1, 1, 2);
  const uint32_t one = s.floats({1}, {1.0f}), zero = s.floats({1}, {0.0f});
  // x = {0.5, 1.0} -> 2-bit codes {round(1.5), 3} = {2, 3}, declared over [0, 4]: values {8/3, 4}.
  const uint32_t a = s.value(ValueKind::kCodes, 2, 1, 1, 2);
  s.m.values[a].range = 4.0f;
  s.node(Op::kChannelAffine, {0}, {int32_t(OutMode::kCodes), 2}, {one, zero}, a);
  // a + a = {16/3, 8} -> 4-bit codes over [0, 10]: round(16/3 / 10 * 15) = 8, round(12) = 12.
  const uint32_t sum = s.value(ValueKind::kCodes, 4, 1, 1, 2);
  s.m.values[sum].range = 10.0f;
  s.node(Op::kAdd, {a, a}, {int32_t(OutMode::kCodes), 4}, {}, sum);
  s.node(Op::kGlobalAvgPool, {sum}, {}, {}, s.value(ValueKind::kFloat, 32, 1, 1, 1));
  // (8 / 15 * 10 + 12 / 15 * 10) / 2 = 20 / 3
  EXPECT_NEAR(run_one(s.m, {0.5f, 1.0f})[0], 20.0 / 3, 1e-5);
  EXPECT_EQ(write_model(s.m)[10], 2) << "ranges other than 1 are format 1.2";
}

TEST(FormatSemantics, RangesAreCheckedAndPassedOnUnchanged) {
  Sketch s(1, 2, 2);
  const uint32_t one = s.floats({1}, {1.0f}), zero = s.floats({1}, {0.0f});
  const uint32_t a = s.value(ValueKind::kCodes, 2, 1, 2, 2);
  s.node(Op::kChannelAffine, {0}, {int32_t(OutMode::kCodes), 2}, {one, zero}, a);
  const uint32_t pooled = s.value(ValueKind::kCodes, 2, 1, 1, 1);
  s.node(Op::kMaxPool, {a}, {2, 2, 0}, {}, pooled);
  s.node(Op::kGlobalAvgPool, {pooled}, {}, {}, s.value(ValueKind::kFloat, 32, 1, 1, 1));
  auto error_of = [](const ModelFile& m) {
    try {
      write_model(m);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  ModelFile m = s.m;
  m.values[a].range = 3.0f;
  EXPECT_EQ(error_of(m),
            "node 1 (max_pool): output value 2 is declared with range 1.000000 but the op passes on range 3.000000");
  m.values[pooled].range = 3.0f;
  EXPECT_EQ(error_of(m), "(no error)");
  m.values[a].range = m.values[pooled].range = -1.0f;
  EXPECT_EQ(error_of(m), "value 1: range -1.000000 is not a finite positive number");
  m = s.m;
  m.values[0].range = 2.0f;
  EXPECT_EQ(error_of(m), "value 0: range 2.000000 on a float value (must be 1)");
  m = s.m;
  m.version_minor = 1;
  m.values[a].range = m.values[pooled].range = 3.0f;
  EXPECT_EQ(error_of(m), "value 1: range 3.000000 needs format 1.2, the file says 1.1");
  m.values[a].range = m.values[pooled].range = 1.0f;
  // A 1.1 file has no range field; it reads back with ranges 1.
  const std::vector<uint8_t> old = write_model(m);
  EXPECT_EQ(old[10], 1);
  EXPECT_EQ(read_model(old.data(), old.size()).values[a].range, 1.0f);
}

TEST(FormatSemantics, ConcatJoinsChannelsInInputOrderPerPixel) {
  // Input (2, 1, 2): channel 0 = {1, 2}, channel 1 = {3, 4}. concat(x, max_pool(x, 1)) keeps
  // both per pixel: pixel 0 = (1, 3, 1, 3), pixel 1 = (2, 4, 2, 4) in (H, W, C) order.
  Sketch s(2, 1, 2);
  const uint32_t same = s.value(ValueKind::kFloat, 32, 2, 1, 2);
  s.node(Op::kMaxPool, {0}, {1, 1, 0}, {}, same);
  s.node(Op::kConcat, {0, same, 0}, {}, {}, s.value(ValueKind::kFloat, 32, 6, 1, 2));
  EXPECT_EQ(run_one(s.m, {1, 2, 3, 4}), std::vector<float>({1, 3, 1, 3, 1, 3, 2, 4, 2, 4, 2, 4}));
}

TEST(FormatSemantics, ShortcutAKeepsEveryStrideThRowAndColumnAndPadsChannels) {
  Sketch s(1, 3, 3);
  s.node(Op::kShortcutA, {0}, {2, 1, 2}, {}, s.value(ValueKind::kFloat, 32, 4, 2, 2));  // ceil(3 / 2) = 2
  const std::vector<float> got = run_one(s.m, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  // Stored (H, W, C): per pixel the channels 0, x, 0, 0 for kept pixels 1, 3, 7, 9.
  EXPECT_EQ(got, std::vector<float>({0, 1, 0, 0, 0, 3, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0}));
}

TEST(FormatSemantics, InfoMayBeEmptyOrAnyBytes) {
  for (const std::string& info : {std::string(), std::string("not json \xff\x01", 11)}) {
    ModelFile m = testing::one_linear({2.0f}, 1.0f, 0.0f);
    m.info = info;
    const auto bytes = write_model(m);
    EXPECT_EQ(read_model(bytes.data(), bytes.size()).info, info);
    EXPECT_EQ(run_one(m, {3.0f})[0], 6.0f);
  }
}

}  // namespace
}  // namespace wrpn::runtime
