// channel_affine (op 9): y[c][h][w] = real(x[c][h][w]) * scale[c] + bias[c] in binary32, then
// the activation: a batch norm on its own (pre-activation blocks). Tensors: scale, bias (C).
#pragma once

#include "wrpn/runtime/ops/activation.h"
#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

using ChannelAffineAttrs = ActivationAttrs;  // out_mode, out_bits

extern const OpDefinition kChannelAffineDefinition;

}  // namespace wrpn::runtime::ops
