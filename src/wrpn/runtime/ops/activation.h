// The output transform that ends conv2d, linear, add and channel_affine (attributes out_mode,
// out_bits): the real-valued result y kept as a float, ReLU'd, or quantized to k-bit codes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wrpn/runtime/model_format.h"
#include "wrpn/runtime/ops/node_view.h"

namespace wrpn::runtime::ops {

struct Activation {
  OutMode mode = OutMode::kFloat;
  int bits = 32;  // out_bits: 32, or 1..8 with OutMode::kCodes

  static Activation none() { return {OutMode::kFloat, 32}; }
  // What an activation quantizer of `bits` turns into: codes, or a ReLU at 32 bits.
  static Activation quantizer(int bits) {
    return bits == 32 ? Activation{OutMode::kRelu, 32} : Activation{OutMode::kCodes, bits};
  }

  void encode(std::vector<int32_t>& attrs) const;              // appends out_mode, out_bits
  static Activation decode(const NodeView& n, size_t at);      // attributes at, at + 1
  ValueInfo value(int channels, int height, int width) const;  // the output value it makes
  void write(const float* y, size_t count, uint8_t* out) const;
};

// The attributes of an op whose only ones are its activation (add, channel_affine): its output
// has the input's shape and the activation's kind and bits.
struct ActivationAttrs {
  Activation act;

  static constexpr size_t kCount = 2;
  std::vector<int32_t> encode() const;  // out_mode, out_bits
  static ActivationAttrs decode(const NodeView& n);
  ValueInfo output(const ValueInfo& x) const;
};

}  // namespace wrpn::runtime::ops
