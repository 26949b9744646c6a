// conv2d (op 1): a cross-correlation with zero padding, weights OHWI, then the per-channel
// scale and bias and the activation (docs/FORMAT.md, "Ops").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wrpn/runtime/ops/activation.h"
#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

struct Conv2dAttrs {
  int out_c = 1;                   // 1..65536
  int kernel_h = 1, kernel_w = 1;  // 1..64
  int stride = 1;                  // 1..64, both axes
  int pad = 0;                     // 0..63 on all four sides, below both kernel sides
  int weight_bits = 32;            // 1..8 (weight codes) or 32 (float weights)
  Activation act;

  static constexpr size_t kCount = 8;
  std::vector<int32_t> encode() const;  // in file order: the fields above, then out_mode, out_bits
  static Conv2dAttrs decode(const NodeView& n);
  // (out_c, OH, OW), OH = floor((H + 2 pad - kernel_h) / stride) + 1, likewise OW.
  ValueInfo output(const ValueInfo& x) const;
};

extern const OpDefinition kConv2dDefinition;

}  // namespace wrpn::runtime::ops
