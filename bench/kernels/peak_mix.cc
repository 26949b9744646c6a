// Peak micro-benchmarks, written once with Highway like the kernels.
// foreach_target.h re-includes this file by HWY_TARGET_INCLUDE, resolved
// against the include path; src/ is on it, so the path goes up from there.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "../bench/kernels/peak_mix.cc"
#include "wrpn/kernels/hwy_config.h"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "peak_mix.h"
#include "wrpn/kernels/thread_pool.h"

HWY_BEFORE_NAMESPACE();
namespace wrpn::bench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#include "wrpn/kernels/int_dot_shims-inl.h"

#if HWY_TARGET != HWY_SCALAR && HWY_ARCH_X86

// Tells the compiler the register may have changed: no instruction, but the
// loop body cannot be hoisted or folded.
template <class V>
HWY_INLINE void Pin(V& v) {
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  asm volatile("" : "+v"(v.raw));
#else
  asm volatile("" : "+x"(v.raw));
#endif
}

template <class V>
HWY_INLINE void PinTile(V (&x)[4], V (&y)[2]) {
  for (auto& v : x) Pin(v);
  for (auto& v : y) Pin(v);
}

std::atomic<uint64_t> g_sink{0};

// Eight named accumulators (an array of them made GCC store all eight to the
// stack every iteration, which capped the loop at the store port).
template <class DA, class VX, class VY, class Step>
HWY_INLINE void RunTile(DA da, VX (&x)[4], VY (&y)[2], uint64_t iters, const Step& step) {
  auto a0 = hn::Zero(da), a1 = hn::Zero(da), a2 = hn::Zero(da), a3 = hn::Zero(da);
  auto a4 = hn::Zero(da), a5 = hn::Zero(da), a6 = hn::Zero(da), a7 = hn::Zero(da);
  for (uint64_t it = 0; it < iters; ++it) {
    PinTile(x, y);
    a0 = step(a0, x[0], y[0]);
    a1 = step(a1, x[0], y[1]);
    a2 = step(a2, x[1], y[0]);
    a3 = step(a3, x[1], y[1]);
    a4 = step(a4, x[2], y[0]);
    a5 = step(a5, x[2], y[1]);
    a6 = step(a6, x[3], y[0]);
    a7 = step(a7, x[3], y[1]);
  }
  const hn::Repartition<uint8_t, DA> du8;
  const auto all = hn::Xor(hn::Xor(hn::Xor(hn::BitCast(du8, a0), hn::BitCast(du8, a1)),
                                   hn::Xor(hn::BitCast(du8, a2), hn::BitCast(du8, a3))),
                           hn::Xor(hn::Xor(hn::BitCast(du8, a4), hn::BitCast(du8, a5)),
                                   hn::Xor(hn::BitCast(du8, a6), hn::BitCast(du8, a7))));
  g_sink += hn::GetLane(all);
}

// Returns the MACs performed.
uint64_t RunMix(int mix, uint64_t iters) {
  const hn::ScalableTag<uint8_t> du8;
  const hn::Repartition<int8_t, decltype(du8)> di8;
  const hn::Repartition<int16_t, decltype(du8)> di16;
  const hn::Repartition<int32_t, decltype(du8)> di32;
  const hn::Repartition<uint64_t, decltype(du8)> du64;
  const hn::Repartition<float, decltype(du8)> df;
  hn::Vec<decltype(du8)> x8[4], y8[2];
  for (int i = 0; i < 4; ++i) x8[i] = hn::Set(du8, uint8_t(3 + 16 * i));
  for (int j = 0; j < 2; ++j) y8[j] = hn::Set(du8, uint8_t(5 + 64 * j));
  switch (static_cast<PeakMix>(mix)) {
    case PeakMix::kAndPopcountU8: {
      hn::Vec<decltype(du64)> x[4], y[2];
      for (int i = 0; i < 4; ++i) x[i] = hn::BitCast(du64, x8[i]);
      for (int j = 0; j < 2; ++j) y[j] = hn::BitCast(du64, y8[j]);
      RunTile(du8, x, y, iters, [&](auto acc, auto a, auto b) {
        return hn::Add(acc, hn::PopulationCount(hn::BitCast(du8, hn::And(a, b))));
      });
      return iters * 8 * hn::Lanes(du8) * 8;  // 8 pairs x bits per vector
    }
    case PeakMix::kAndNibbleLutU8: {
      // x/y hold a low-nibble and a high-nibble plane each; 8 pairs of (lo, hi).
      HWY_ALIGN static constexpr uint8_t kLut[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
      const auto lut = hn::LoadDup128(du8, kLut);
      const auto nib = hn::Set(du8, 0x0F);
      hn::Vec<decltype(du8)> x[4], y[2];
      for (int i = 0; i < 4; ++i) x[i] = hn::And(x8[i], nib);
      for (int j = 0; j < 2; ++j) y[j] = hn::And(y8[j], nib);
      hn::Vec<decltype(du8)> xh[4], yh[2];
      for (int i = 0; i < 4; ++i) xh[i] = hn::And(hn::Add(x8[i], x8[i]), nib);
      for (int j = 0; j < 2; ++j) yh[j] = hn::And(hn::Add(y8[j], y8[j]), nib);
      // Two tiles per iteration: the low and the high halves of the same 4 x 2 pairs.
      RunTile(du8, x, y, iters, [&](auto acc, auto a, auto b) {
        return hn::Add(acc, hn::TableLookupBytes(lut, hn::And(a, b)));
      });
      RunTile(du8, xh, yh, iters, [&](auto acc, auto a, auto b) {
        return hn::Add(acc, hn::TableLookupBytes(lut, hn::And(a, b)));
      });
      return iters * 8 * hn::Lanes(du8) * 8;  // 8 pairs x bits per (split) vector pair
    }
    case PeakMix::kMaddU8S8Add16:
      RunTile(di16, x8, y8, iters, [&](auto acc, auto a, auto b) {
        return hn::Add(acc, MaddPairsU8S8(di16, b, hn::BitCast(di8, a)));
      });
      return iters * 8 * hn::Lanes(du8);
    case PeakMix::kMaddU8S8Add32:
      RunTile(di32, x8, y8, iters, [&](auto acc, auto a, auto b) {
        return hn::Add(acc, SumPairsI16(di32, MaddPairsU8S8(di16, b, hn::BitCast(di8, a))));
      });
      return iters * 8 * hn::Lanes(du8);
    case PeakMix::kMaddS16Add32: {
      hn::Vec<decltype(di16)> x[4], y[2];
      for (int i = 0; i < 4; ++i) x[i] = hn::BitCast(di16, x8[i]);
      for (int j = 0; j < 2; ++j) y[j] = hn::BitCast(di16, y8[j]);
      RunTile(di32, x, y, iters, [&](auto acc, auto a, auto b) { return hn::Add(acc, MaddPairsI16(di32, b, a)); });
      return iters * 8 * hn::Lanes(di16);
    }
    case PeakMix::kDotU8S8:
      RunTile(di32, x8, y8, iters,
              [&](auto acc, auto a, auto b) { return DotU8S8(di32, acc, b, hn::BitCast(di8, a)); });
      return iters * 8 * hn::Lanes(du8);
    case PeakMix::kFmaF32: {
      hn::Vec<decltype(df)> x[4], y[2];
      for (int i = 0; i < 4; ++i) x[i] = hn::Set(df, 1.0f + 1e-7f * i);
      for (int j = 0; j < 2; ++j) y[j] = hn::Set(df, 0.999999f - 1e-7f * j);
      RunTile(df, x, y, iters, [&](auto acc, auto a, auto b) { return hn::MulAdd(a, b, acc); });
      return iters * 8 * hn::Lanes(df);
    }
  }
  return 0;
}

#else

uint64_t RunMix(int, uint64_t) { return 0; }

#endif

}  // namespace HWY_NAMESPACE
}  // namespace wrpn::bench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wrpn::bench {

HWY_EXPORT(RunMix);

const char* peak_mix_name(PeakMix mix) {
  switch (mix) {
    case PeakMix::kAndPopcountU8: return "and_popcnt_u8";
    case PeakMix::kAndNibbleLutU8: return "and_nibble_lut_u8";
    case PeakMix::kMaddU8S8Add16: return "maddubs_add16";
    case PeakMix::kMaddU8S8Add32: return "maddubs_maddwd_add32";
    case PeakMix::kMaddS16Add32: return "maddwd_add32";
    case PeakMix::kDotU8S8: return "dpbusd";
    case PeakMix::kFmaF32: return "fma_f32";
  }
  return "unknown";
}

double peak_macs_per_second(PeakMix mix, int threads) {
  const int m = static_cast<int>(mix);
  // Calibrate to ~50 ms per run, then best of 5 runs.
  uint64_t iters = 1 << 16;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    HWY_DYNAMIC_DISPATCH(RunMix)(m, iters);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > 0.05 || iters > (uint64_t{1} << 34)) break;
    iters *= 2;
  }
  double best = 0;
  for (int rep = 0; rep < 9; ++rep) {  // the machine is shared: best of several
    std::atomic<uint64_t> macs{0};
    const auto t0 = std::chrono::steady_clock::now();
    wrpn::kernels::parallel_for(threads, threads, [&](int) { macs += HWY_DYNAMIC_DISPATCH(RunMix)(m, iters); });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, double(macs.load()) / s);
  }
  return best;
}

}  // namespace wrpn::bench
#endif  // HWY_ONCE
