// Requantize, written once with Highway: a float guess per lane, corrected
// against the integer thresholds (gathered), which decide, wherever it lies near a rounding
// boundary. Exact.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "wrpn/kernels/requantize_kernels.cc"
#include "wrpn/kernels/hwy_config.h"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>

#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/requantize_kernels.h"

HWY_BEFORE_NAMESPACE();
namespace wrpn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One output: the scalar form of the loop below (tails, and the reference of the idea).
HWY_INLINE uint8_t GuessCorrectOne(const RequantizeThresholds& th, int32_t a, int m) {
  const float v = float(a) * th.scale[m] + th.bias[m];
  const float y = (v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v)) * float(th.levels);
  int code = static_cast<int>(y + 0.5f);
  const int32_t x = th.sign[m] * a;
  const int32_t* t = th.t.data() + size_t(m) * th.levels;
  while (code < th.levels && x >= t[code]) ++code;
  while (code > 0 && x < t[code - 1]) --code;
  return static_cast<uint8_t>(code);
}

void RequantizeGuessCorrectImpl(const RequantizeThresholds* th_ptr, const int32_t* acc, size_t lda, int n, int m0,
                                int m1, uint8_t* out, size_t ldo) {
  const RequantizeThresholds& th = *th_ptr;
  const hn::ScalableTag<int32_t> di;
  const hn::Rebind<float, decltype(di)> df;
  const hn::Rebind<uint8_t, decltype(di)> d8;
  const int L = static_cast<int>(hn::Lanes(di));
  const auto levels_i = hn::Set(di, th.levels);
  const auto levels_f = hn::Set(df, float(th.levels));
  const auto zero_f = hn::Zero(df);
  const auto one_i = hn::Set(di, 1), zero_i = hn::Zero(di);
  const int32_t* t = th.t.data();
  for (int j = 0; j < n; ++j) {
    const int32_t* a_row = acc + j * lda;
    uint8_t* o_row = out + j * ldo;
    int m = m0;
    for (; m + L <= m1; m += L) {
      const auto a = hn::LoadU(di, a_row + m);
      const auto y = hn::Min(hn::Max(hn::MulAdd(hn::ConvertTo(df, a), hn::LoadU(df, th.guess_scale.data() + m),
                                                hn::LoadU(df, th.guess_bias.data() + m)),
                                     zero_f),
                             levels_f);
      const auto rounded = hn::Round(y);
      auto code = hn::ConvertTo(di, rounded);
      // Fast path: every lane within fast_limit of its rounded value (output_transform.cc bounds
      // how far the guess and the reference can differ) already has the thresholds' code.
      if (hn::AllTrue(df, hn::Le(hn::Abs(hn::Sub(y, rounded)), hn::LoadU(df, th.fast_limit.data() + m)))) {
        hn::StoreU(hn::DemoteTo(d8, code), d8, o_row + m);
        continue;
      }
      const auto x = hn::Mul(hn::LoadU(di, th.sign.data() + m), a);  // sign * acc
      // Row of channel m + lane in t: (m + lane) * levels.
      const auto base = hn::Mul(hn::Add(hn::Iota(di, 0), hn::Set(di, m)), levels_i);
      // Up while code < levels and x >= t[code]; then down while code > 0 and x < t[code - 1].
      for (;;) {
        const auto room = hn::Lt(code, levels_i);
        const auto idx = hn::Add(base, hn::Min(code, hn::Sub(levels_i, one_i)));
        const auto up =
            hn::AndNot(hn::Lt(x, hn::GatherIndex(di, t, idx)), room);  // room && x >= t (1.0.3 has no integer Ge)
        if (hn::AllFalse(di, up)) break;
        code = hn::Add(code, hn::IfThenElseZero(up, one_i));
      }
      for (;;) {
        const auto above = hn::Gt(code, zero_i);
        const auto idx = hn::Add(base, hn::Max(hn::Sub(code, one_i), zero_i));
        const auto down = hn::And(above, hn::Lt(x, hn::GatherIndex(di, t, idx)));
        if (hn::AllFalse(di, down)) break;
        code = hn::Sub(code, hn::IfThenElseZero(down, one_i));
      }
      hn::StoreU(hn::DemoteTo(d8, code), d8, o_row + m);
    }
    for (; m < m1; ++m) o_row[m] = GuessCorrectOne(th, a_row[m], m);
  }
}

void QuantizeUnitFloatsImpl(const float* y, size_t count, int bits, uint8_t* out) {
  const float levels = float(act_code_max(bits));
  size_t i = 0;
#if HWY_TARGET != HWY_SCALAR
  const hn::ScalableTag<float> df;
  const hn::Rebind<int32_t, decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(df)> d8;
  const size_t L = hn::Lanes(df);
  const auto lv = hn::Set(df, levels), zero = hn::Zero(df), one = hn::Set(df, 1.0f);
  for (; i + L <= count; i += L) {
    const auto v = hn::Mul(hn::Min(hn::Max(hn::LoadU(df, y + i), zero), one), lv);
    hn::StoreU(hn::DemoteTo(d8, hn::ConvertTo(di, hn::Round(v))), d8, out + i);  // Round: to nearest even
  }
#endif
  for (; i < count; ++i) {
    const float v = std::min(std::max(y[i], 0.0f), 1.0f) * levels;
    out[i] = static_cast<uint8_t>(static_cast<int32_t>((v + 8388608.0f) - 8388608.0f));  // rne for 0 <= v < 2^23
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace wrpn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wrpn::kernels {
HWY_EXPORT(RequantizeGuessCorrectImpl);
HWY_EXPORT(QuantizeUnitFloatsImpl);
void quantize_unit_floats(const float* y, size_t count, int bits, uint8_t* out) {
  HWY_DYNAMIC_DISPATCH(QuantizeUnitFloatsImpl)(y, count, bits, out);
}
namespace detail {
void requantize_guess_correct(const RequantizeThresholds& th, const int32_t* acc, size_t lda, int n, int m0, int m1,
                              uint8_t* out, size_t ldo) {
  HWY_DYNAMIC_DISPATCH(RequantizeGuessCorrectImpl)(&th, acc, lda, n, m0, m1, out, ldo);
}
}  // namespace detail
}  // namespace wrpn::kernels
#endif  // HWY_ONCE
