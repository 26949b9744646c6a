// The training forward's int8 convolution (kernels/int8_conv_forward.h) against a naive
// loop: integer sums, so the floats must agree exactly (every sum here is below 2^24).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "wrpn/kernels/int8_conv_forward.h"

namespace wrpn::kernels {
namespace {

std::vector<float> naive(const ConvShape& s, const std::vector<uint8_t>& x, const std::vector<int8_t>& w,
                         const std::vector<float>& scales) {
  std::vector<float> out(size_t(s.batch) * s.out_c * s.out_h() * s.out_w());
  size_t i = 0;
  for (int n = 0; n < s.batch; ++n)
    for (int o = 0; o < s.out_c; ++o)
      for (int y = 0; y < s.out_h(); ++y)
        for (int xo = 0; xo < s.out_w(); ++xo, ++i) {
          int64_t acc = 0;
          for (int c = 0; c < s.in_c; ++c)
            for (int ky = 0; ky < s.kernel_h; ++ky)
              for (int kx = 0; kx < s.kernel_w; ++kx) {
                const int iy = y * s.stride - s.pad + ky, ix = xo * s.stride - s.pad + kx;
                if (iy < 0 || ix < 0 || iy >= s.in_h || ix >= s.in_w) continue;
                acc += int64_t(x[((size_t(n) * s.in_c + c) * s.in_h + iy) * s.in_w + ix]) *
                       w[((size_t(o) * s.in_c + c) * s.kernel_h + ky) * s.kernel_w + kx];
              }
          out[i] = float(acc) * scales[scales.size() == 1 ? 0 : size_t(o)];
        }
  return out;
}

TEST(Int8ConvForward, ExactAgainstNaiveLoop) {
  ConvShape probe;
  probe.batch = 2;
  probe.in_c = probe.out_c = 16;
  probe.in_h = probe.in_w = 6;
  probe.pad = 1;
  const std::string impl = int8_forward_available() ? int8_conv_forward_impl(probe) : "";
  if (impl.find("amx") == std::string::npos && impl.find("vnni") == std::string::npos) {
    GTEST_SKIP() << "no exact oneDNN int8 implementation here (" << (impl.empty() ? "no oneDNN" : impl) << ")";
  }
  std::mt19937 rng(7);
  struct Case {
    int batch, in_c, out_c, hw, k, stride, pad, bits_a, bits_w;
    bool per_channel;
  };
  for (const Case& c : {Case{3, 16, 24, 9, 3, 1, 1, 4, 4, false}, Case{2, 3, 16, 12, 3, 2, 1, 8, 8, true},
                        Case{4, 40, 10, 1, 1, 1, 0, 2, 2, false}, Case{2, 32, 64, 7, 3, 1, 0, 8, 2, true}}) {
    ConvShape s;
    s.batch = c.batch;
    s.in_c = c.in_c;
    s.out_c = c.out_c;
    s.in_h = s.in_w = c.hw;
    s.kernel_h = s.kernel_w = c.k;
    s.stride = c.stride;
    s.pad = c.pad;
    std::vector<uint8_t> x(size_t(s.batch) * s.in_c * s.in_h * s.in_w);
    std::vector<int8_t> w(size_t(s.out_c) * s.in_c * s.kernel_h * s.kernel_w);
    const int amax = (1 << c.bits_a) - 1, wmax = (1 << (c.bits_w - 1)) - 1;
    for (auto& v : x) v = uint8_t(rng() % (amax + 1));
    for (auto& v : w) v = int8_t(int(rng() % (2 * wmax + 1)) - wmax);
    std::vector<float> scales(c.per_channel ? size_t(s.out_c) : 1);
    for (size_t i = 0; i < scales.size(); ++i) scales[i] = 0.125f * float(i + 1);
    std::vector<float> got(size_t(s.batch) * s.out_c * s.out_h() * s.out_w(), -1.0f);
    ASSERT_TRUE(int8_conv_forward(s, x.data(), w.data(), scales.data(), int(scales.size()), got.data(), 1))
        << int8_conv_forward_impl(s);
    EXPECT_EQ(got, naive(s, x, w, scales)) << "in " << c.in_c << " out " << c.out_c << " k " << c.k;
  }
}

TEST(Int8ConvForward, SwitchedOffMeansNotRun) {
  set_int8_forward_disabled(true);
  ConvShape s;
  s.in_c = s.out_c = 4;
  s.in_h = s.in_w = 4;
  s.kernel_h = s.kernel_w = 1;
  std::vector<uint8_t> x(64, 1);
  std::vector<int8_t> w(16, 1);
  const float scale = 1.0f;
  std::vector<float> out(64, -1.0f);
  EXPECT_FALSE(int8_forward_available());
  EXPECT_FALSE(int8_conv_forward(s, x.data(), w.data(), &scale, 1, out.data(), 1));
  EXPECT_EQ(out[0], -1.0f);  // nothing written
  set_int8_forward_disabled(false);
}

}  // namespace
}  // namespace wrpn::kernels
