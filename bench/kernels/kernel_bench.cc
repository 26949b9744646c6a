// wrpn_kernel_bench: packed k-bit GEMM / convolution rates against FP32 oneDNN
// of the same shapes, measured in the same run, with the percentage of the
// measured peak of each kernel's instruction mix.
//
// Environment:
//   WRPN_BENCH_TARGET=AVX2   restrict the kernels to one Highway target (default: best);
//   DNNL_MAX_CPU_ISA=AVX2    the same for oneDNN (set both for AVX2-only figures);
//   WRPN_BENCH_THREADS=1,2   thread counts (default: 1 and all hardware threads).
// Standard Google Benchmark flags apply (--benchmark_filter=..., --benchmark_out=...).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench_shapes.h"
#include "bench_timing.h"
#include "fp32_baseline.h"
#include "peak_mix.h"
#include "wrpn/kernels/codes.h"
#include "int8_onednn.h"
#include "wrpn/kernels/amx_support.h"
#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/conv.h"
#include "wrpn/kernels/onednn_conv.h"
#include "wrpn/kernels/gemm.h"
#include "wrpn/kernels/target_info.h"
#include "wrpn/kernels/thread_pool.h"

namespace wrpn::bench {
namespace {

using namespace wrpn::kernels;

PeakMix mix_of(GemmVariant v, int kw, int ka) {
  switch (v) {
    case GemmVariant::kQuadChannelLanes:  // vpdpbusd with VNNI, else vpmaddubsw (exact dots for 8b x 8b)
      if (active_target_has_vnni() || madd_acc16_flush_steps(kw, ka) == 0) return PeakMix::kDotU8S8;
      return PeakMix::kMaddU8S8Add16;
    case GemmVariant::kBitplanePopcount:
      return PeakMix::kAndPopcountU8;
    case GemmVariant::kBitplaneNibbleLut:
      return PeakMix::kAndNibbleLutU8;
    case GemmVariant::kMaddU8S8Acc16:
      return PeakMix::kMaddU8S8Add16;
    case GemmVariant::kMaddU8S8Acc32:
      return PeakMix::kMaddU8S8Add32;
    case GemmVariant::kMaddS16:
      return PeakMix::kMaddS16Add32;
    case GemmVariant::kDotU8S8:
      return PeakMix::kDotU8S8;
    case GemmVariant::kAmxTiles:
      return PeakMix::kAmxTdpbusd;
  }
  return PeakMix::kFmaF32;
}

// Results cached per (what, threads): the FP32 rows and peaks are measured once.
std::map<std::string, double>& cache() {
  static std::map<std::string, double> c;
  return c;
}

template <class Fn>
double cached(const std::string& key, const Fn& fn) {
  auto it = cache().find(key);
  if (it != cache().end()) return it->second;
  return cache()[key] = fn();
}

double peak(PeakMix mix, int threads) {
  return cached("peak/" + std::string(peak_mix_name(mix)) + "/" + std::to_string(threads),
                [&] { return peak_macs_per_second(mix, threads); });
}

double macs(const ConvShape& s) { return double(s.gemm_m()) * s.gemm_n() * s.gemm_k(); }

double onednn_gemm_rate(const ConvShape& s, int threads) {
  return cached("gemm/" + std::to_string(s.gemm_m()) + "x" + std::to_string(s.gemm_n()) + "x" +
                    std::to_string(s.gemm_k()) + "/" + std::to_string(threads),
                [&] { return macs(s) / fp32_onednn_gemm_seconds(s, threads); });
}

double onednn_conv_rate(const LayerShape& l, int threads) {
  return cached("conv/" + l.name + "/" + std::to_string(threads),
                [&] { return macs(l.conv) / fp32_onednn_conv_seconds(l.conv, threads); });
}

// Random operands of a layer, packed for one plan.
struct Operands {
  GemmPlan plan;
  PackedWeights w;
  PackedActivations a;
  std::vector<uint8_t> input;  // NHWC codes, for the conv rows
};

std::unique_ptr<Operands> make_operands(const ConvShape& s, int kw, int ka, const GemmVariant* forced = nullptr) {
  auto op = std::make_unique<Operands>();
  op->plan = forced ? make_gemm_plan(kw, ka, s.gemm_k(), *forced) : make_gemm_plan(kw, ka, s.gemm_k());
  uint32_t x = 12345;
  auto next = [&] { return x = x * 1664525u + 1013904223u; };
  std::vector<int8_t> w(size_t(s.gemm_m()) * s.gemm_k());
  const int n = weight_code_max(kw);
  for (auto& v : w) v = static_cast<int8_t>(int(next() >> 8) % (2 * n + 1) - n);
  op->input.resize(size_t(s.batch) * s.in_h * s.in_w * s.in_c);
  for (auto& v : op->input) v = static_cast<uint8_t>((next() >> 8) % (act_code_max(ka) + 1));
  op->w = pack_conv_weights(op->plan, s, w.data());
  op->a = im2col_pack(op->plan, s, op->input.data());
  return op;
}

void set_common_counters(benchmark::State& st, double rate, double fp32_rate, double peak_rate) {
  st.counters["GMACps"] = rate / 1e9;
  st.counters["fp32_GMACps"] = fp32_rate / 1e9;
  st.counters["x_fp32"] = rate / fp32_rate;
  st.counters["pct_peak"] = peak_rate > 0 ? 100.0 * rate / peak_rate : 0.0;
}

void gemm_row(benchmark::State& st, LayerShape l, int kw, int ka, int threads, const GemmVariant* forced = nullptr) {
  const auto op = make_operands(l.conv, kw, ka, forced);
  std::vector<int32_t> out(size_t(l.conv.gemm_n()) * l.conv.gemm_m());
  double s = 0;
  for (auto _ : st) s = best_seconds([&] { gemm_s32(op->w, op->a, out.data(), l.conv.gemm_m(), threads); });
  set_common_counters(st, macs(l.conv) / s, onednn_gemm_rate(l.conv, threads),
                      peak(mix_of(op->plan.variant, kw, ka), threads));
  st.SetLabel(gemm_variant_name(op->plan.variant));
}

// Whole conv as the runtime runs it (conv_requantize: im2col per cache block + GEMM + fused
// requantize to next-layer codes), timed in rounds interleaved with oneDNN's int8
// convolution of the same shape, so that a drift of the machine hits both alike.
constexpr int kPeerRounds = 3;

void conv_row(benchmark::State& st, LayerShape l, int kw, int ka, int threads) {
  const auto op = make_operands(l.conv, kw, ka);
  ChannelAffine aff;
  for (int m = 0; m < l.conv.out_c; ++m) {
    aff.scale.push_back(1e-3f * ((m % 7) - 3) + 1e-4f);  // no exact zero scale: a real layer has none
    aff.bias.push_back(0.37f);
  }
  const RequantizeThresholds th = make_requantize_thresholds(aff, ka);
  std::vector<uint8_t> out(size_t(l.conv.gemm_n()) * l.conv.gemm_m());
  Int8OnednnConv peer(l.conv, threads);
  // The runtime's choice (runtime/ops/matmul.cc): the oneDNN int8 tier where it runs this shape
  // exactly (AMX or VNNI) and our popcount is not faster, else the packed GEMM.
  std::unique_ptr<OnednnConv> tier;
  if (onednn_conv_tier_enabled()) {
    std::vector<int8_t> w(size_t(l.conv.gemm_m()) * l.conv.gemm_k());
    const int n = weight_code_max(kw);
    uint32_t x = 12345;
    for (auto& v : w) v = static_cast<int8_t>(int((x = x * 1664525u + 1013904223u) >> 8) % (2 * n + 1) - n);
    tier = std::make_unique<OnednnConv>(l.conv, kw, ka, w.data());
    const int b = l.conv.batch;
    if (!tier->exact_for(b, threads) || popcount_beats_onednn(op->plan, tier->impl(b, threads))) tier.reset();
  }
  double s = 1e30, own = 1e30, p = 1e30;
  for (auto _ : st)
    for (int r = 0; r < kPeerRounds; ++r) {
      own = std::min(own,
                     best_seconds([&] { conv_requantize(op->w, l.conv, op->input.data(), th, out.data(), threads); }));
      if (tier)
        s = std::min(
            s, best_seconds([&] { tier->run_requantize(op->input.data(), l.conv.batch, th, out.data(), threads); }));
      p = std::min(p, best_seconds([&] { peer.run(); }));
    }
  if (!tier) s = own;
  set_common_counters(st, macs(l.conv) / s, onednn_conv_rate(l, threads),
                      peak(tier ? (amx_tier_enabled() ? PeakMix::kAmxTdpbusd : PeakMix::kDotU8S8)
                                : mix_of(op->plan.variant, kw, ka),
                           threads));
  st.counters["own_GMACps"] = macs(l.conv) / own / 1e9;
  st.counters["int8_GMACps"] = macs(l.conv) / p / 1e9;
  st.counters["x_int8"] = p / s;
  st.SetLabel(std::string(tier ? "onednn_int8_tier" : gemm_variant_name(op->plan.variant)) +
              " (own: " + gemm_variant_name(op->plan.variant) + ") vs " + peer.impl());
}

// oneDNN's int8 convolution of the layer alone, against oneDNN FP32 and the AMX peak.
void int8_row(benchmark::State& st, LayerShape l, int threads) {
  Int8OnednnConv peer(l.conv, threads);
  double s = 0;
  for (auto _ : st) s = best_seconds([&] { peer.run(); });
  const double r = macs(l.conv) / s;
  st.counters["GMACps"] = r / 1e9;
  st.counters["x_fp32"] = r / onednn_conv_rate(l, threads);
  st.counters["pct_peak"] = amx_tier_enabled() ? 100.0 * r / peak(PeakMix::kAmxTdpbusd, threads) : 0.0;
  st.SetLabel(peer.impl());
}

void fp32_row(benchmark::State& st, LayerShape l, int threads) {
  double onednn = 0, conv = 0, mm = 0;
  for (auto _ : st) {
    onednn = onednn_gemm_rate(l.conv, threads);
    conv = onednn_conv_rate(l, threads);
    mm = macs(l.conv) / fp32_matmul_seconds(l.conv.gemm_m(), l.conv.gemm_n(), l.conv.gemm_k(), threads);
  }
  st.counters["GMACps"] = onednn / 1e9;
  st.counters["conv_GMACps"] = conv / 1e9;
  st.counters["matmul_GMACps"] = mm / 1e9;
  st.counters["pct_peak"] = 100.0 * onednn / peak(PeakMix::kFmaF32, threads);
}

void peak_row(benchmark::State& st, PeakMix mix, int threads) {
  double r = 0;
  for (auto _ : st) r = peak(mix, threads);
  st.counters["GMACps"] = r / 1e9;
}

std::vector<int> thread_counts() {
  std::vector<int> t;
  if (const char* env = std::getenv("WRPN_BENCH_THREADS")) {
    std::stringstream ss(env);
    for (std::string item; std::getline(ss, item, ',');) t.push_back(std::stoi(item));
  } else {
    t = {1};
    if (hardware_threads() > 1) t.push_back(hardware_threads());
  }
  return t;
}

void register_all() {
  const std::vector<std::pair<int, int>> key_pairs = {{1, 1}, {1, 2}, {2, 2}, {4, 4}, {8, 8}};
  const std::vector<PeakMix> mixes = {PeakMix::kAndPopcountU8, PeakMix::kAndNibbleLutU8, PeakMix::kMaddU8S8Add16,
                                      PeakMix::kMaddU8S8Add32, PeakMix::kMaddS16Add32,   PeakMix::kDotU8S8,
                                      PeakMix::kFmaF32,        PeakMix::kAmxTdpbusd};
  const auto reg = [](const std::string& name, auto fn) {
    benchmark::RegisterBenchmark(name.c_str(), fn)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
  };
  for (int t : thread_counts()) {
    const std::string ts = "/t" + std::to_string(t);
    for (PeakMix mix : mixes)
      reg(std::string("peak/") + peak_mix_name(mix) + ts, [mix, t](benchmark::State& st) { peak_row(st, mix, t); });
    for (const LayerShape& l : bench_layers()) {
      reg("fp32/" + l.name + ts, [l, t](benchmark::State& st) { fp32_row(st, l, t); });
      reg("int8/" + l.name + ts, [l, t](benchmark::State& st) { int8_row(st, l, t); });
      for (auto [kw, ka] : key_pairs) {
        const std::string p = "/w" + std::to_string(kw) + "a" + std::to_string(ka);
        reg("gemm/" + l.name + p + ts, [l, kw = kw, ka = ka, t](benchmark::State& st) { gemm_row(st, l, kw, ka, t); });
        reg("conv/" + l.name + p + ts, [l, kw = kw, ka = ka, t](benchmark::State& st) { conv_row(st, l, kw, ka, t); });
      }
    }
    // Every variant that is exact for a few pairs, on one large layer.
    for (auto [kw, ka] : key_pairs)
      for (GemmVariant v : all_gemm_variants()) {
        if (!gemm_variant_supports(v, kw, ka)) continue;
        const LayerShape big = bench_layers()[8];
        const std::string p = "/w" + std::to_string(kw) + "a" + std::to_string(ka);
        reg("variant/" + big.name + p + "/" + gemm_variant_name(v) + ts,
            [big, kw = kw, ka = ka, v, t](benchmark::State& st) { gemm_row(st, big, kw, ka, t, &v); });
      }
    // Every precision pair on one large layer.
    const LayerShape big = bench_layers()[8];  // r34_w1_s3_256x14
    for (int kw = 1; kw <= 8; ++kw)
      for (int ka = 1; ka <= 8; ++ka) {
        const std::string p = "/w" + std::to_string(kw) + "a" + std::to_string(ka);
        reg("pairs/" + big.name + p + ts, [big, kw, ka, t](benchmark::State& st) { gemm_row(st, big, kw, ka, t); });
      }
  }
}

}  // namespace
}  // namespace wrpn::bench

int main(int argc, char** argv) {
  using namespace wrpn::kernels;
  if (const char* target = std::getenv("WRPN_BENCH_TARGET")) {
    bool found = false;
    for (int64_t t : runnable_targets())
      if (target_name(t) == target) {
        force_target(t);
        found = true;
      }
    if (!found) {
      std::fprintf(stderr, "WRPN_BENCH_TARGET=%s is not a runnable target\n", target);
      return 2;
    }
  }
  benchmark::AddCustomContext("wrpn_target", active_target_name());
  benchmark::AddCustomContext("wrpn_amx", amx_status());
  benchmark::AddCustomContext("wrpn_onednn_tier", onednn_tier_status());
  benchmark::AddCustomContext("fp32_backend", wrpn::bench::fp32_backend_info());
  wrpn::bench::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
