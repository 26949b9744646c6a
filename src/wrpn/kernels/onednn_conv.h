// The oneDNN int8 tier: a convolution of u8 activation codes (NHWC, as the runtime holds
// them: no im2col) by s8 weight values through oneDNN's own int8 primitive, exact s32
// accumulators out, then our output transform (exact thresholds). On AMX machines oneDNN
// runs it on the tile unit (brgconv:avx512_core_amx_int8). Built where oneDNN's headers
// are (libdnnl-dev, the libdnnl.so.2 LibTorch links); elsewhere onednn_conv_built() is
// false and the runtime keeps the packed GEMM tiers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "wrpn/kernels/conv.h"
#include "wrpn/kernels/output_transform.h"

namespace wrpn::kernels {

bool onednn_conv_built();

// Used where the AMX tier is (amx_tier_enabled()), oneDNN is built in, and
// WRPN_DISABLE_ONEDNN is not set (set_onednn_disabled for tests and benchmarks).
bool onednn_conv_tier_enabled();
void set_onednn_disabled(bool disabled);

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
  std::string impl(int batch) const;  // oneDNN's implementation name for that batch
  // True when oneDNN runs this batch size on an AMX implementation, which accumulates
  // exactly in s32. Its other int8 paths (e.g. u8s8 GEMM on AVX-512 without VNNI) may
  // saturate 16-bit pair sums at 8 bits, so callers fall back to the packed GEMM there.
  bool exact_for(int batch) const;
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
