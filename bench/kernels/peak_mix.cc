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

#include "amx_peak.h"
#include "peak_mix.h"
#include "wrpn/kernels/thread_pool.h"

HWY_BEFORE_NAMESPACE();
namespace wrpn::bench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#include "wrpn/kernels/int_dot_shims-inl.h"

#if HWY_TARGET != HWY_SCALAR && HWY_ARCH_X86

std::atomic<uint64_t> g_sink{0};

// The micro-kernel's 4 x 2 tile: 4 "weight" vectors and 2 "activation" vectors
// read from an L1-resident buffer every iteration (as the kernels read their
// operands, often as memory operands), eight named accumulators in registers.
// The empty asm with a memory clobber makes every iteration reload the operands,
// so nothing is hoisted out of the loop; it emits no instruction. (Pinning the
// operands in registers instead left AVX2 with too few of its 16 registers and
// GCC spilled accumulators, which understated the peak.)
template <class DA, class DX, class DY, class Step>
HWY_INLINE void RunTile(DA da, DX dx, const hn::TFromD<DX>* xs, DY dy, const hn::TFromD<DY>* ys, uint64_t iters,
                        const Step& step) {
  const size_t lx = hn::Lanes(dx), ly = hn::Lanes(dy);
  auto a0 = hn::Zero(da), a1 = hn::Zero(da), a2 = hn::Zero(da), a3 = hn::Zero(da);
  auto a4 = hn::Zero(da), a5 = hn::Zero(da), a6 = hn::Zero(da), a7 = hn::Zero(da);
  for (uint64_t it = 0; it < iters; ++it) {
    asm volatile("" ::: "memory");
    const auto y0 = hn::Load(dy, ys), y1 = hn::Load(dy, ys + ly);
    const auto x0 = hn::Load(dx, xs), x1 = hn::Load(dx, xs + lx);
    const auto x2 = hn::Load(dx, xs + 2 * lx), x3 = hn::Load(dx, xs + 3 * lx);
    a0 = step(a0, x0, y0);
    a1 = step(a1, x0, y1);
    a2 = step(a2, x1, y0);
    a3 = step(a3, x1, y1);
    a4 = step(a4, x2, y0);
    a5 = step(a5, x2, y1);
    a6 = step(a6, x3, y0);
    a7 = step(a7, x3, y1);
  }
  const hn::Repartition<uint8_t, DA> du8;
  const auto all = hn::Xor(
      hn::Xor(hn::Xor(hn::BitCast(du8, a0), hn::BitCast(du8, a1)), hn::Xor(hn::BitCast(du8, a2), hn::BitCast(du8, a3))),
      hn::Xor(hn::Xor(hn::BitCast(du8, a4), hn::BitCast(du8, a5)),
              hn::Xor(hn::BitCast(du8, a6), hn::BitCast(du8, a7))));
  g_sink += hn::GetLane(all);
}

// Operand buffers: 4 + 2 vectors of the widest target, arbitrary non-zero bytes.
struct Operands {
  HWY_ALIGN uint8_t x[4 * HWY_MAX_BYTES];
  HWY_ALIGN uint8_t y[2 * HWY_MAX_BYTES];
  Operands(uint8_t mask) {
    for (size_t i = 0; i < sizeof(x); ++i) x[i] = uint8_t((3 + 37 * i) & mask);
    for (size_t i = 0; i < sizeof(y); ++i) y[i] = uint8_t((5 + 91 * i) & mask);
  }
};

// Returns the MACs performed.
uint64_t RunMix(int mix, uint64_t iters) {
  const hn::ScalableTag<uint8_t> du8;
  const hn::Repartition<int8_t, decltype(du8)> di8;
  const hn::Repartition<int16_t, decltype(du8)> di16;
  const hn::Repartition<int32_t, decltype(du8)> di32;
  const hn::Repartition<uint64_t, decltype(du8)> du64;
  const hn::Repartition<float, decltype(du8)> df;
  const Operands bytes(0xFF), nibbles(0x0F), small(0x3F);
  switch (static_cast<PeakMix>(mix)) {
    case PeakMix::kAndPopcountU8:
      RunTile(du8, du64, reinterpret_cast<const uint64_t*>(bytes.x), du64, reinterpret_cast<const uint64_t*>(bytes.y),
              iters, [&](auto acc, auto a, auto b) {
                return hn::Add(acc, hn::PopulationCount(hn::BitCast(du8, hn::And(a, b))));
              });
      return iters * 8 * hn::Lanes(du8) * 8;  // 8 pairs x bits per vector
    case PeakMix::kAndNibbleLutU8: {
      HWY_ALIGN static constexpr uint8_t kLut[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
      const auto lut = hn::LoadDup128(du8, kLut);
      // Two tiles: the low and the high nibble planes of the same 4 x 2 pairs.
      const auto step = [&](auto acc, auto a, auto b) {
        return hn::Add(acc, hn::TableLookupBytes(lut, hn::And(a, b)));
      };
      RunTile(du8, du8, nibbles.x, du8, nibbles.y, iters, step);
      RunTile(du8, du8, nibbles.x, du8, nibbles.y, iters, step);
      return iters * 8 * hn::Lanes(du8) * 8;  // 8 pairs x bits per (split) vector pair
    }
    case PeakMix::kMaddU8S8Add16:
      RunTile(di16, di8, reinterpret_cast<const int8_t*>(small.x), du8, small.y, iters,
              [&](auto acc, auto w, auto a) { return hn::Add(acc, MaddPairsU8S8(di16, a, w)); });
      return iters * 8 * hn::Lanes(du8);
    case PeakMix::kMaddU8S8Add32:
      RunTile(di32, di8, reinterpret_cast<const int8_t*>(small.x), du8, small.y, iters,
              [&](auto acc, auto w, auto a) { return hn::Add(acc, SumPairsI16(di32, MaddPairsU8S8(di16, a, w))); });
      return iters * 8 * hn::Lanes(du8);
    case PeakMix::kMaddS16Add32:
      RunTile(di32, di16, reinterpret_cast<const int16_t*>(small.x), di16, reinterpret_cast<const int16_t*>(small.y),
              iters, [&](auto acc, auto w, auto a) { return hn::Add(acc, MaddPairsI16(di32, a, w)); });
      return iters * 8 * hn::Lanes(di16);
    case PeakMix::kDotU8S8:
      RunTile(di32, di8, reinterpret_cast<const int8_t*>(small.x), du8, small.y, iters,
              [&](auto acc, auto w, auto a) { return DotU8S8(di32, acc, a, w); });
      return iters * 8 * hn::Lanes(du8);
    case PeakMix::kFmaF32: {
      HWY_ALIGN float fx[4 * HWY_MAX_BYTES / 4], fy[2 * HWY_MAX_BYTES / 4];
      for (size_t i = 0; i < 4 * HWY_MAX_BYTES / 4; ++i) fx[i] = 1.0f + 1e-7f * float(i);
      for (size_t i = 0; i < 2 * HWY_MAX_BYTES / 4; ++i) fy[i] = 0.999999f - 1e-7f * float(i);
      RunTile(df, df, fx, df, fy, iters, [&](auto acc, auto a, auto b) { return hn::MulAdd(a, b, acc); });
      return iters * 8 * hn::Lanes(df);
    }
    case PeakMix::kAmxTdpbusd:
      return run_amx_peak(iters);
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
    case PeakMix::kAndPopcountU8:
      return "and_popcnt_u8";
    case PeakMix::kAndNibbleLutU8:
      return "and_nibble_lut_u8";
    case PeakMix::kMaddU8S8Add16:
      return "maddubs_add16";
    case PeakMix::kMaddU8S8Add32:
      return "maddubs_maddwd_add32";
    case PeakMix::kMaddS16Add32:
      return "maddwd_add32";
    case PeakMix::kDotU8S8:
      return "dpbusd";
    case PeakMix::kFmaF32:
      return "fma_f32";
    case PeakMix::kAmxTdpbusd:
      return "amx_tdpbusd";
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
