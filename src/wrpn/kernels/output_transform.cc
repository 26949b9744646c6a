#include "wrpn/kernels/output_transform.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/requantize_kernels.h"

namespace wrpn::kernels {
namespace {

void check_affine(const ChannelAffine& affine) {
  if (affine.scale.size() != affine.bias.size() || affine.scale.empty()) {
    throw std::invalid_argument("channel affine needs equal, non-empty scale and bias, got " +
                                std::to_string(affine.scale.size()) + " and " + std::to_string(affine.bias.size()));
  }
  for (size_t m = 0; m < affine.scale.size(); ++m) {
    if (!std::isfinite(affine.scale[m]) || !std::isfinite(affine.bias[m])) {
      throw std::invalid_argument("channel " + std::to_string(m) + " has non-finite scale " +
                                  std::to_string(affine.scale[m]) + " or bias " + std::to_string(affine.bias[m]));
    }
  }
}

// Smallest x in [lo, hi] with g(x) >= level for non-decreasing g; INT32_MAX if none.
template <class G>
int32_t first_reaching(const G& g, int level, int32_t lo, int32_t hi) {
  if (g(hi) < level) return INT32_MAX;
  if (g(lo) >= level) return lo;
  // invariant: g(lo) < level <= g(hi)
  while (int64_t(hi) - lo > 1) {  // the span exceeds int32
    const int32_t mid = static_cast<int32_t>(lo + (int64_t(hi) - lo) / 2);
    if (g(mid) >= level)
      hi = mid;
    else
      lo = mid;
  }
  return hi;
}

}  // namespace

ChannelAffine fold_batch_norm(const std::vector<float>& weight_scale, int act_bits, const std::vector<float>& gamma,
                              const std::vector<float>& beta, const std::vector<float>& mean,
                              const std::vector<float>& var, float eps) {
  check_bits(act_bits, "activation");
  const size_t m = weight_scale.size();
  if (gamma.size() != m || beta.size() != m || mean.size() != m || var.size() != m) {
    throw std::invalid_argument("batch norm sizes differ from " + std::to_string(m) + " channels");
  }
  ChannelAffine out;
  out.scale.resize(m);
  out.bias.resize(m);
  const float step = 1.0f / float(act_code_max(act_bits));
  for (size_t i = 0; i < m; ++i) {
    if (!(var[i] + eps > 0.0f)) {
      throw std::invalid_argument("channel " + std::to_string(i) + ": var + eps = " + std::to_string(var[i] + eps) +
                                  " must be > 0");
    }
    const float g = gamma[i] / std::sqrt(var[i] + eps);
    out.scale[i] = g * weight_scale[i] * step;
    out.bias[i] = beta[i] - g * mean[i];
  }
  return out;
}

uint8_t requantize_one_ref(int32_t acc, float scale, float bias, int out_bits) {
  const float levels = float(act_code_max(out_bits));
  const float x = float(acc) * scale + bias;
  const float clipped = std::fmin(std::fmax(x, 0.0f), 1.0f);
  return static_cast<uint8_t>(std::nearbyint(clipped * levels));  // FE_TONEAREST: half to even
}

void requantize_ref(const ChannelAffine& affine, int out_bits, const int32_t* acc, size_t lda, int n, uint8_t* out,
                    size_t ldo) {
  check_bits(out_bits, "output activation");
  check_affine(affine);
  const size_t m = affine.scale.size();
  for (int j = 0; j < n; ++j)
    for (size_t i = 0; i < m; ++i)
      out[j * ldo + i] = requantize_one_ref(acc[j * lda + i], affine.scale[i], affine.bias[i], out_bits);
}

RequantizeThresholds make_requantize_thresholds(const ChannelAffine& affine, int out_bits) {
  check_bits(out_bits, "output activation");
  check_affine(affine);
  RequantizeThresholds th;
  th.out_bits = out_bits;
  th.channels = static_cast<int>(affine.scale.size());
  th.levels = act_code_max(out_bits);
  th.sign.resize(th.channels);
  th.t.resize(size_t(th.channels) * th.levels);
  for (int m = 0; m < th.channels; ++m) {
    const float s = affine.scale[m], b = affine.bias[m];
    const int32_t sign = s < 0.0f ? -1 : 1;
    th.sign[m] = sign;
    // g(x) = f(sign * x) is non-decreasing in x: each float step is monotone.
    const auto g = [&](int32_t x) { return int(requantize_one_ref(sign * x, s, b, out_bits)); };
    for (int level = 1; level <= th.levels; ++level)
      th.t[size_t(m) * th.levels + level - 1] = first_reaching(g, level, -kMaxAbsAccumulator, kMaxAbsAccumulator);
  }
  th.scale = affine.scale;
  th.bias = affine.bias;
  // Near a boundary |x| <= 1.5 and |acc * scale| <= 1.5 + |bias|; the reference (mul, add, clip,
  // times levels) and the fused guess each round a few times at 2^-24 relative, together below
  // levels * 2^-24 * (10.5 + 5 |bias|): 2^-20 * levels * (1 + |bias|) bounds it with room. Where
  // that reaches 0.5 the limit is negative and every lane takes the thresholds.
  const float lv = float(th.levels);
  for (int m = 0; m < th.channels; ++m) {
    th.guess_scale.push_back(affine.scale[m] * lv);
    th.guess_bias.push_back(affine.bias[m] * lv);
    th.fast_limit.push_back(0.5f - lv * (1.0f + std::fabs(affine.bias[m])) * (1.0f / (1 << 20)));
  }
  return th;
}

namespace detail {

// A float first guess per output, corrected against the thresholds (which
// decide, so the result is exact): requantize_kernels.cc, vectorised.
void requantize_channels(const RequantizeThresholds& th, const int32_t* acc, size_t lda, int n, int m0, int m1,
                         uint8_t* out, size_t ldo) {
  detail::requantize_guess_correct(th, acc, lda, n, m0, m1, out, ldo);
}

void dequantize_channels(const ChannelAffine& affine, const int32_t* acc, size_t lda, int n, int m0, int m1, float* out,
                         size_t ldo) {
  const float* s = affine.scale.data();
  const float* b = affine.bias.data();
  for (int j = 0; j < n; ++j) {
    const int32_t* a = acc + j * lda;
    float* o = out + j * ldo;
    for (int i = m0; i < m1; ++i) o[i] = float(a[i]) * s[i] + b[i];
  }
}

}  // namespace detail

void requantize(const RequantizeThresholds& th, const int32_t* acc, size_t lda, int n, uint8_t* out, size_t ldo) {
  if (th.channels < 1 || th.sign.size() != size_t(th.channels)) {
    throw std::invalid_argument("requantize thresholds are empty (" + std::to_string(th.channels) + " channels)");
  }
  detail::requantize_channels(th, acc, lda, n, 0, th.channels, out, ldo);
}

void dequantize(const ChannelAffine& affine, const int32_t* acc, size_t lda, int n, float* out, size_t ldo) {
  check_affine(affine);
  detail::dequantize_channels(affine, acc, lda, n, 0, static_cast<int>(affine.scale.size()), out, ldo);
}

}  // namespace wrpn::kernels
