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

// Returns the MACs performed.
uint64_t RunMix(int mix, uint64_t iters) {
  const hn::ScalableTag<uint8_t> du8;
  const hn::Repartition<int8_t, decltype(du8)> di8;
  const hn::Repartition<int16_t, decltype(du8)> di16;
  const hn::Repartition<int32_t, decltype(du8)> di32;
  const hn::Repartition<uint64_t, decltype(du8)> du64;
  const hn::Repartition<float, decltype(du8)> df;
  uint64_t sink = 0;
  switch (static_cast<PeakMix>(mix)) {
    case PeakMix::kAndPopcountU8: {
      hn::Vec<decltype(du64)> x[4], y[2];
      for (int i = 0; i < 4; ++i) x[i] = hn::Set(du64, 0x0123456789ABCDEFull * (i + 1));
      for (int j = 0; j < 2; ++j) y[j] = hn::Set(du64, 0xFEDCBA9876543210ull ^ j);
      hn::Vec<decltype(du8)> acc[8];
      for (auto& a : acc) a = hn::Zero(du8);
      for (uint64_t it = 0; it < iters; ++it) {
        PinTile(x, y);
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 2; ++j)
            acc[i * 2 + j] = hn::Add(acc[i * 2 + j], hn::PopulationCount(hn::BitCast(du8, hn::And(x[i], y[j]))));
      }
      for (auto& a : acc) sink += hn::GetLane(a);
      g_sink += sink;
      return iters * 8 * hn::Lanes(du8) * 8;  // 8 pairs x bits per vector
    }
    case PeakMix::kMaddU8S8Add16: {
      hn::Vec<decltype(du8)> x[4], y[2];
      for (int i = 0; i < 4; ++i) x[i] = hn::Set(du8, uint8_t(3 + i));
      for (int j = 0; j < 2; ++j) y[j] = hn::Set(du8, uint8_t(5 + j));
      hn::Vec<decltype(di16)> acc[8];
      for (auto& a : acc) a = hn::Zero(di16);
      for (uint64_t it = 0; it < iters; ++it) {
        PinTile(x, y);
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 2; ++j)
            acc[i * 2 + j] = hn::Add(acc[i * 2 + j], MaddPairsU8S8(di16, y[j], hn::BitCast(di8, x[i])));
      }
      for (auto& a : acc) sink += uint16_t(hn::GetLane(a));
      g_sink += sink;
      return iters * 8 * hn::Lanes(du8);
    }
    case PeakMix::kMaddU8S8Add32: {
      hn::Vec<decltype(du8)> x[4], y[2];
      for (int i = 0; i < 4; ++i) x[i] = hn::Set(du8, uint8_t(3 + i));
      for (int j = 0; j < 2; ++j) y[j] = hn::Set(du8, uint8_t(5 + j));
      hn::Vec<decltype(di32)> acc[8];
      for (auto& a : acc) a = hn::Zero(di32);
      for (uint64_t it = 0; it < iters; ++it) {
        PinTile(x, y);
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 2; ++j)
            acc[i * 2 + j] = hn::Add(acc[i * 2 + j],
                                     SumPairsI16(di32, MaddPairsU8S8(di16, y[j], hn::BitCast(di8, x[i]))));
      }
      for (auto& a : acc) sink += uint32_t(hn::GetLane(a));
      g_sink += sink;
      return iters * 8 * hn::Lanes(du8);
    }
    case PeakMix::kMaddS16Add32: {
      hn::Vec<decltype(di16)> x[4], y[2];
      for (int i = 0; i < 4; ++i) x[i] = hn::Set(di16, int16_t(3 + i));
      for (int j = 0; j < 2; ++j) y[j] = hn::Set(di16, int16_t(5 + j));
      hn::Vec<decltype(di32)> acc[8];
      for (auto& a : acc) a = hn::Zero(di32);
      for (uint64_t it = 0; it < iters; ++it) {
        PinTile(x, y);
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 2; ++j) acc[i * 2 + j] = hn::Add(acc[i * 2 + j], MaddPairsI16(di32, y[j], x[i]));
      }
      for (auto& a : acc) sink += uint32_t(hn::GetLane(a));
      g_sink += sink;
      return iters * 8 * hn::Lanes(di16);
    }
    case PeakMix::kDotU8S8: {
      hn::Vec<decltype(du8)> x[4], y[2];
      for (int i = 0; i < 4; ++i) x[i] = hn::Set(du8, uint8_t(3 + i));
      for (int j = 0; j < 2; ++j) y[j] = hn::Set(du8, uint8_t(5 + j));
      hn::Vec<decltype(di32)> acc[8];
      for (auto& a : acc) a = hn::Zero(di32);
      for (uint64_t it = 0; it < iters; ++it) {
        PinTile(x, y);
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 2; ++j) acc[i * 2 + j] = DotU8S8(di32, acc[i * 2 + j], y[j], hn::BitCast(di8, x[i]));
      }
      for (auto& a : acc) sink += uint32_t(hn::GetLane(a));
      g_sink += sink;
      return iters * 8 * hn::Lanes(du8);
    }
    case PeakMix::kFmaF32: {
      hn::Vec<decltype(df)> x[4], y[2];
      for (int i = 0; i < 4; ++i) x[i] = hn::Set(df, 1.0f + 1e-7f * i);
      for (int j = 0; j < 2; ++j) y[j] = hn::Set(df, 0.999999f - 1e-7f * j);
      hn::Vec<decltype(df)> acc[8];
      for (auto& a : acc) a = hn::Zero(df);
      for (uint64_t it = 0; it < iters; ++it) {
        PinTile(x, y);
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 2; ++j) acc[i * 2 + j] = hn::MulAdd(x[i], y[j], acc[i * 2 + j]);
      }
      for (auto& a : acc) sink += uint64_t(hn::GetLane(a));
      g_sink += sink;
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
  for (int rep = 0; rep < 5; ++rep) {
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
