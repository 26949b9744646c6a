// Batch norm's passes, written once with Highway. Sums run in float lanes over at most about
// kChunk values and fold into doubles after that: float lanes are twice as wide as
// double ones, and a chunk is short enough that float rounding stays far below what training
// can see. Tails run scalar (a masked load may read past the end on some targets).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "wrpn/kernels/batch_norm_kernels.cc"
#include "wrpn/kernels/hwy_config.h"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <iterator>

#include "wrpn/kernels/batch_norm_kernels.h"

HWY_BEFORE_NAMESPACE();
namespace wrpn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr int64_t kChunk = 2048;

// Calls f(pointer offset, length) for each chunk of each plane.
template <typename F>
HWY_INLINE void ForEachChunk(const ChannelPlanes& c, F&& f) {
  for (int64_t p = 0; p < c.planes; ++p) {
    for (int64_t i = 0; i < c.plane_size; i += kChunk) f(p * c.plane_stride + i, std::min(kChunk, c.plane_size - i));
  }
}

// Two pairs of float lane sums over one channel, folded into doubles every kChunk values
// (not every plane: small planes, 8x8 say, would pay a lane reduction per 64 values). The
// lanes live in memory between calls: scalable vectors cannot be struct members.
struct FoldedSums {
  HWY_ALIGN float lanes[4][HWY_MAX_BYTES / sizeof(float)] = {};
  float tail_a = 0, tail_b = 0;
  int64_t pending = 0;
  double a = 0, b = 0;

  HWY_INLINE void Fold() {
    const hn::ScalableTag<float> d;
    const auto sum = [&](int i, int j) {
      return double(hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Load(d, lanes[i]), hn::Load(d, lanes[j])))));
    };
    a += sum(0, 1) + double(tail_a);
    b += sum(2, 3) + double(tail_b);
    for (auto& row : lanes) std::fill(std::begin(row), std::end(row), 0.0f);
    tail_a = tail_b = 0;
    pending = 0;
  }
  HWY_INLINE void Counted(int64_t n) {
    pending += n;
    if (pending >= kChunk) Fold();
  }
};

// What Accumulate adds up: sum(u) only; sum(u) and sum(u (v - shift)); or, with c = u - shift,
// sum(c) and sum(c^2).
enum class Sums { kPlain, kWithProducts, kCentred };

template <Sums kKind>
HWY_INLINE void Accumulate(FoldedSums& s, const float* u, const float* v, int64_t n, float shift) {
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const int64_t L = int64_t(hn::Lanes(d));
  const V sh = hn::Set(d, shift);
  V a0 = hn::Load(d, s.lanes[0]), a1 = hn::Load(d, s.lanes[1]);
  V b0 = hn::Load(d, s.lanes[2]), b1 = hn::Load(d, s.lanes[3]);
  const auto step = [&](V& a, V& b, int64_t at) {
    V x = hn::LoadU(d, u + at);
    if (kKind == Sums::kCentred) x = hn::Sub(x, sh);
    a = hn::Add(a, x);
    if (kKind == Sums::kCentred) b = hn::MulAdd(x, x, b);
    if (kKind == Sums::kWithProducts) b = hn::MulAdd(x, hn::Sub(hn::LoadU(d, v + at), sh), b);
  };
  int64_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    step(a0, b0, i);
    step(a1, b1, i + L);
  }
  for (; i + L <= n; i += L) step(a0, b0, i);
  hn::Store(a0, d, s.lanes[0]);
  hn::Store(a1, d, s.lanes[1]);
  hn::Store(b0, d, s.lanes[2]);
  hn::Store(b1, d, s.lanes[3]);
  for (; i < n; ++i) {
    const float x = kKind == Sums::kCentred ? u[i] - shift : u[i];
    s.tail_a += x;
    if (kKind == Sums::kCentred) s.tail_b += x * x;
    if (kKind == Sums::kWithProducts) s.tail_b += x * (v[i] - shift);
  }
  s.Counted(n);
}

Moments ChannelMomentsImpl(const float* x, const ChannelPlanes& c) {
  // Pass 1, the mean; pass 2, the squares about it (and their sum, which corrects for the
  // float rounding of the mean): no cancellation however far the values sit from zero.
  FoldedSums first;
  ForEachChunk(c, [&](int64_t at, int64_t n) { Accumulate<Sums::kPlain>(first, x + at, nullptr, n, 0.0f); });
  first.Fold();
  const double count = double(c.count());
  const float mean = float(first.a / count);
  FoldedSums second;
  ForEachChunk(c, [&](int64_t at, int64_t n) { Accumulate<Sums::kCentred>(second, x + at, nullptr, n, mean); });
  second.Fold();
  const double centred = second.a / count;
  Moments m;
  m.mean = double(mean) + centred;
  m.variance = std::max(0.0, second.b / count - centred * centred);
  return m;
}

void ScaleShiftChannelImpl(const float* x, float* y, const ChannelPlanes& c, float a, float b) {
  const hn::ScalableTag<float> d;
  const int64_t L = int64_t(hn::Lanes(d));
  const auto va = hn::Set(d, a), vb = hn::Set(d, b);
  ForEachChunk(c, [&](int64_t at, int64_t n) {
    const float* xs = x + at;
    float* ys = y + at;
    int64_t i = 0;
    for (; i + L <= n; i += L) hn::StoreU(hn::MulAdd(hn::LoadU(d, xs + i), va, vb), d, ys + i);
    for (; i < n; ++i) ys[i] = xs[i] * a + b;
  });
}

GradientSums ChannelGradientSumsImpl(const float* g, const float* x, const ChannelPlanes& c, float mean) {
  FoldedSums s;
  ForEachChunk(c, [&](int64_t at, int64_t n) { Accumulate<Sums::kWithProducts>(s, g + at, x + at, n, mean); });
  s.Fold();
  GradientSums out;
  out.sum_g = s.a;
  out.sum_g_xc = s.b;
  return out;
}

void InputGradientChannelImpl(const float* g, const float* x, float* dx, const ChannelPlanes& c, float mean, float k1,
                              float k2, float k3) {
  const hn::ScalableTag<float> d;
  const int64_t L = int64_t(hn::Lanes(d));
  const auto m = hn::Set(d, mean);
  const auto v1 = hn::Set(d, k1), v2 = hn::Set(d, k2), v3 = hn::Set(d, k3);
  ForEachChunk(c, [&](int64_t at, int64_t n) {
    const float* gs = g + at;
    const float* xs = x + at;
    float* out = dx + at;
    int64_t i = 0;
    for (; i + L <= n; i += L) {
      const auto rest = hn::MulAdd(hn::Sub(hn::LoadU(d, xs + i), m), v2, v3);
      hn::StoreU(hn::MulAdd(hn::LoadU(d, gs + i), v1, rest), d, out + i);
    }
    for (; i < n; ++i) out[i] = gs[i] * k1 + ((xs[i] - mean) * k2 + k3);
  });
}

}  // namespace HWY_NAMESPACE
}  // namespace wrpn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wrpn::kernels {
HWY_EXPORT(ChannelMomentsImpl);
HWY_EXPORT(ScaleShiftChannelImpl);
HWY_EXPORT(ChannelGradientSumsImpl);
HWY_EXPORT(InputGradientChannelImpl);

Moments channel_moments(const float* x, const ChannelPlanes& c) { return HWY_DYNAMIC_DISPATCH(ChannelMomentsImpl)(x, c); }

void scale_shift_channel(const float* x, float* y, const ChannelPlanes& c, float a, float b) {
  HWY_DYNAMIC_DISPATCH(ScaleShiftChannelImpl)(x, y, c, a, b);
}

GradientSums channel_gradient_sums(const float* g, const float* x, const ChannelPlanes& c, float mean) {
  return HWY_DYNAMIC_DISPATCH(ChannelGradientSumsImpl)(g, x, c, mean);
}

void input_gradient_channel(const float* g, const float* x, float* dx, const ChannelPlanes& c, float mean, float k1,
                            float k2, float k3) {
  HWY_DYNAMIC_DISPATCH(InputGradientChannelImpl)(g, x, dx, c, mean, k1, k2, k3);
}

}  // namespace wrpn::kernels
#endif  // HWY_ONCE
