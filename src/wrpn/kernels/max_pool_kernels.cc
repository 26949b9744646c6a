// The 2x2 max-pool row, written once with Highway: the window's four cells as four vectors
// (LoadInterleaved2 splits even and odd columns), folded in LibTorch's order with selects, so
// random ties cost no branches.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "wrpn/kernels/max_pool_kernels.cc"
#include "wrpn/kernels/hwy_config.h"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "wrpn/kernels/max_pool_kernels.h"

HWY_BEFORE_NAMESPACE();
namespace wrpn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// A later cell wins only when greater or NaN; the first cell starts the fold (an all -inf or
// NaN-first window then gives what the general loop gives).
HWY_INLINE void FoldOne(float& m, uint8_t& at, float v, uint8_t o) {
  const bool take = (v > m) | (v != v);
  m = take ? v : m;
  at = take ? o : at;
}

void MaxPool2x2RowImpl(const float* r0, const float* r1, int64_t out_w, float* out, uint8_t* offsets) {
  const hn::ScalableTag<float> df;
  const hn::Rebind<int32_t, decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(df)> d8;
  const int64_t L = int64_t(hn::Lanes(df));
  int64_t ow = 0;
  for (; ow + L <= out_w; ow += L) {
    hn::Vec<decltype(df)> a, b, c, d;
    hn::LoadInterleaved2(df, r0 + 2 * ow, a, b);
    hn::LoadInterleaved2(df, r1 + 2 * ow, c, d);
    auto m = a;
    auto at = hn::Zero(di);
    const auto fold = [&](const hn::Vec<decltype(df)>& v, int32_t o) {
      const auto take = hn::Or(hn::Gt(v, m), hn::IsNaN(v));
      m = hn::IfThenElse(take, v, m);
      at = hn::IfThenElse(hn::RebindMask(di, take), hn::Set(di, o), at);
    };
    fold(b, 1);
    fold(c, 2);
    fold(d, 3);
    hn::StoreU(m, df, out + ow);
    hn::StoreU(hn::DemoteTo(d8, at), d8, offsets + ow);
  }
  for (; ow < out_w; ++ow) {
    float m = r0[2 * ow];
    uint8_t at = 0;
    FoldOne(m, at, r0[2 * ow + 1], 1);
    FoldOne(m, at, r1[2 * ow], 2);
    FoldOne(m, at, r1[2 * ow + 1], 3);
    out[ow] = m;
    offsets[ow] = at;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace wrpn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wrpn::kernels {
HWY_EXPORT(MaxPool2x2RowImpl);
namespace detail {
void max_pool_2x2_row(const float* r0, const float* r1, int64_t out_w, float* out, uint8_t* offsets) {
  HWY_DYNAMIC_DISPATCH(MaxPool2x2RowImpl)(r0, r1, out_w, out, offsets);
}
}  // namespace detail
}  // namespace wrpn::kernels
#endif  // HWY_ONCE
