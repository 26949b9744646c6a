// Highway implementation of the element-wise quantizers; compiled once per SIMD target and
// dispatched at run time (AVX2, AVX-512, NEON, scalar ...).
#include "wrpn/kernels/fake_quantize.h"

#include <algorithm>
#include <cmath>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "wrpn/kernels/fake_quantize.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace wrpn {
namespace kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void FakeQuantize(const float* HWY_RESTRICT x, float* out, size_t count, float lo, float hi, float levels) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const auto vlo = hn::Set(d, lo);
  const auto vhi = hn::Set(d, hi);
  const auto vlevels = hn::Set(d, levels);
  const auto zero = hn::Zero(d);
  size_t i = 0;
  for (; i + lanes <= count; i += lanes) {
    auto v = hn::Min(hn::Max(hn::LoadU(d, x + i), vlo), vhi);
    // Round() is round-half-to-even, the same rule as std::nearbyint and torch::round.
    // + 0 turns -0 into +0, so every target writes the same bits as the reference.
    v = hn::Add(hn::Div(hn::Round(hn::Mul(v, vlevels)), vlevels), zero);
    hn::StoreU(v, d, out + i);
  }
  fake_quantize_ref(x + i, out + i, count - i, lo, hi, levels);
}

void SteClampGrad(const float* HWY_RESTRICT x, const float* g, float* grad_in, size_t count, float lo, float hi) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  const auto vlo = hn::Set(d, lo);
  const auto vhi = hn::Set(d, hi);
  size_t i = 0;
  for (; i + lanes <= count; i += lanes) {
    const auto v = hn::LoadU(d, x + i);
    const auto inside = hn::And(hn::Ge(v, vlo), hn::Le(v, vhi));
    hn::StoreU(hn::IfThenElseZero(inside, hn::LoadU(d, g + i)), d, grad_in + i);
  }
  ste_clamp_grad_ref(x + i, g + i, grad_in + i, count - i, lo, hi);
}

}  // namespace HWY_NAMESPACE
}  // namespace kernels
}  // namespace wrpn
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wrpn {
namespace kernels {

HWY_EXPORT(FakeQuantize);
HWY_EXPORT(SteClampGrad);

void fake_quantize(const float* x, float* out, std::size_t count, float lo, float hi, float levels) {
  HWY_DYNAMIC_DISPATCH(FakeQuantize)(x, out, count, lo, hi, levels);
}

void ste_clamp_grad(const float* x, const float* g, float* grad_in, std::size_t count, float lo, float hi) {
  HWY_DYNAMIC_DISPATCH(SteClampGrad)(x, g, grad_in, count, lo, hi);
}

void fake_quantize_ref(const float* x, float* out, std::size_t count, float lo, float hi, float levels) {
  for (std::size_t i = 0; i < count; ++i) {
    const float clamped = std::min(std::max(x[i], lo), hi);
    out[i] = std::nearbyint(clamped * levels) / levels + 0.0f;  // -0 -> +0
  }
}

void ste_clamp_grad_ref(const float* x, const float* g, float* grad_in, std::size_t count, float lo, float hi) {
  for (std::size_t i = 0; i < count; ++i) {
    grad_in[i] = (x[i] >= lo && x[i] <= hi) ? g[i] : 0.0f;
  }
}

}  // namespace kernels
}  // namespace wrpn
#endif  // HWY_ONCE
