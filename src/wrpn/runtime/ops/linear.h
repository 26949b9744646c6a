// linear (op 2): a fully connected layer on the input read in NHWC order, then the per-channel
// scale and bias and the activation (docs/FORMAT.md, "Ops").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wrpn/runtime/ops/activation.h"
#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

struct LinearAttrs {
  int out_features = 1;  // 1..65536
  int weight_bits = 32;  // 1..8 (weight codes) or 32 (float weights)
  Activation act;

  static constexpr size_t kCount = 4;
  std::vector<int32_t> encode() const;  // in file order: the fields above, then out_mode, out_bits
  static LinearAttrs decode(const NodeView& n);
  // (out_features, 1, 1).
  ValueInfo output(const ValueInfo& x) const;
};

extern const OpDefinition kLinearDefinition;

}  // namespace wrpn::runtime::ops
