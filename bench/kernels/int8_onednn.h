// The int8 peer: the same convolution through oneDNN's own int8 primitive (u8 source,
// s8 weights, per-channel output scales, u8 destination), what a user who quantizes the
// network to int8 with oneDNN (PyTorch's x86/onednn backends, OpenVINO) runs instead.
// Uses libdnnl directly (the same libdnnl.so.2 LibTorch links); no LibTorch here.
#pragma once

#include <string>

#include "wrpn/kernels/conv.h"

namespace wrpn::bench {

struct Int8ConvTiming {
  double seconds = 0;    // best run of the primitive alone
  std::string impl;      // oneDNN's implementation name, e.g. "brgconv:avx512_core_amx_int8"
};

// Source NHWC u8 (as the runtime holds codes), weights reordered to the primitive's
// layout once, outside the timed region; threads through OpenMP, as oneDNN is built.
Int8ConvTiming int8_onednn_conv(const wrpn::kernels::ConvShape& shape, int threads);

}  // namespace wrpn::bench
