// The training forward on the integer matrix units: a convolution (or, with 1x1 images and
// kernels, a linear layer) of u8 activation codes by s8 weight codes through oneDNN's int8
// primitive, exact int32 sums, written as floats scaled per output channel. NCHW in and out,
// as LibTorch holds tensors. oneDNN's objects (engine, a primitive per shape, the layouts it
// picked) live here only; callers pass plain pointers and shapes.
//
// Exactness is the contract: the call runs only on an implementation that accumulates in
// int32 without saturating (AMX or VNNI: oneDNN's pre-VNNI int8 paths halve weights or
// saturate 16-bit pair sums); otherwise it returns false and the caller keeps its float path.
#pragma once

#include <cstdint>
#include <string>

#include "wrpn/kernels/conv.h"

namespace wrpn::kernels {

// Built with oneDNN, and not switched off (WRPN_DISABLE_INT8_FORWARD=1, or the setter).
bool int8_forward_available();
void set_int8_forward_disabled(bool disabled);

// dst[n, o, y, x] = scales[scale_count == 1 ? 0 : o] * sum over (c, ky, kx) of
// src[n, c, y*s - p + ky, x*s - p + kx] * wei[o, c, ky, kx] (zero outside the image).
// src: N x C x H x W codes; wei: O x C x kH x kW codes; dst: N x O x OH x OW floats.
// Returns false (nothing written) when no exact oneDNN implementation serves the shape.
bool int8_conv_forward(const ConvShape& shape, const uint8_t* src_nchw, const int8_t* wei_oihw, const float* scales,
                       int scale_count, float* dst_nchw, int threads);

// oneDNN's implementation for that shape ("brgconv:avx512_core_amx_int8", ...), "" if none.
std::string int8_conv_forward_impl(const ConvShape& shape);

}  // namespace wrpn::kernels
