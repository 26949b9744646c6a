// The oneDNN int8 tier: a convolution of u8 activation codes (NHWC, as the runtime holds
// them: no im2col) by s8 weight values through oneDNN's own int8 primitive, exact s32
// accumulators out, then our output transform (exact thresholds). On AMX machines oneDNN
// runs it on the tile unit (brgconv:avx512_core_amx_int8), on AVX-512 VNNI machines with
// vpdpbusd (brgconv:avx512_core_vnni). Built where oneDNN's headers
// are (libdnnl-dev, the libdnnl.so.2 LibTorch links); elsewhere onednn_conv_built() is
// false and the runtime keeps the packed GEMM tiers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "wrpn/kernels/conv.h"
#include "wrpn/kernels/gemm.h"
#include "wrpn/kernels/output_transform.h"

namespace wrpn::kernels {

bool onednn_conv_built();

// Prepared where oneDNN is built in, the dispatched Highway target has VNNI (AVX3_DL: so
// `--target AVX2` means no oneDNN tier either), and WRPN_DISABLE_ONEDNN is not set
// (set_onednn_disabled for tests and benchmarks). Whether a batch then runs on it is
// exact_for's answer and popcount_beats_onednn's.
bool onednn_conv_tier_enabled();
void set_onednn_disabled(bool disabled);
// Why the tier is or is not prepared, in one line (benches, `wrpn train`, logs).
std::string onednn_tier_status();

// True for the oneDNN int8 implementations that accumulate exactly in s32: AMX (`tdpbusd`,
// only while amx_tier_enabled(), so WRPN_DISABLE_AMX keeps oneDNN off the tiles too) and
// VNNI (`vpdpbusd`, which adds u8 x s8 products into s32 without saturating). The others
// (AVX-512 or AVX2 without VNNI) sum pairs in 16 bits with `vpmaddubsw`, which saturates.
bool onednn_impl_is_exact(const std::string& impl);

// Where our bit-plane popcount kernel is faster than oneDNN's VNNI int8 convolution:
// k_w*k_a AND+popcount passes of K bits against one K-byte vpdpbusd pass; measured on
// an AVX-512 VNNI CPU (docs/KERNELS.md, 1 thread) the popcount wins 1.2-3.1x for 1b/1b
// at K >= 1152 and 1.2-1.5x for 1b/2b at K >= 2304, loses 0.84-0.89x for 1b/2b at 1152.
// Never over AMX (several times VNNI's rate).
constexpr int kPopcountOverVnniMinK = 1152;
bool popcount_beats_onednn(const GemmPlan& plan, const std::string& impl);

class OnednnConv {
 public:
  // shape.batch is ignored (primitives are made per batch size on first use); weights are
  // OHWI codes of `weight_bits`, validated and reordered to oneDNN's layout once here.
  OnednnConv(const ConvShape& shape, int weight_bits, int act_bits, const int8_t* weight_ohwi);
  ~OnednnConv();
  OnednnConv(const OnednnConv&) = delete;
  OnednnConv& operator=(const OnednnConv&) = delete;

  // out[n * M + m] = exact int32 convolution of `batch` NHWC images of codes.
  void run_s32(const uint8_t* input_nhwc, int batch, int32_t* out, int threads) const;
  // The same with the output transform applied (rows split over `threads`).
  void run_requantize(const uint8_t* input_nhwc, int batch, const RequantizeThresholds& th, uint8_t* out,
                      int threads) const;
  void run_dequantize(const uint8_t* input_nhwc, int batch, const ChannelAffine& affine, float* out, int threads) const;
  // oneDNN's implementation name for that batch on `threads` threads (<= 0: all).
  std::string impl(int batch, int threads = 1) const;
  // True when oneDNN runs this batch size on an exact implementation (onednn_impl_is_exact);
  // elsewhere callers fall back to the packed GEMM.
  bool exact_for(int batch, int threads = 1) const;
  size_t weight_bytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  ConvShape shape_;  // batch 1
};

// The float convolutions (the full-precision first layer, by design) through oneDNN's FP32
// convolution, NHWC in and out, where oneDNN is built in (on any ISA it has: AVX2, AVX-512).
// Results differ from a plain loop by float summation order only.
class OnednnConvF32 {
 public:
  OnednnConvF32(const ConvShape& shape, const float* weight_ohwi);
  ~OnednnConvF32();
  OnednnConvF32(const OnednnConvF32&) = delete;
  OnednnConvF32& operator=(const OnednnConvF32&) = delete;
  void run(const float* input_nhwc, int batch, float* out, int threads) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace wrpn::kernels
