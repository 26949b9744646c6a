// avg_pool (op 10, format 1.1): the mean of a kernel x kernel window, padding taps counted as
// zeros (the divisor is always kernel^2, as torch's avg_pool2d with count_include_pad), on real
// values (codes as code / (2^bits - 1)); the output is float (docs/FORMAT.md, "Ops").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

struct AvgPoolAttrs {
  int kernel = 1;  // 1..64, a kernel x kernel window
  int stride = 1;  // 1..64
  int pad = 0;     // 0..floor(kernel / 2)

  static constexpr size_t kCount = 3;
  std::vector<int32_t> encode() const;  // in file order: kernel, stride, pad
  static AvgPoolAttrs decode(const NodeView& n);
  // Float, (C, OH, OW) with OH = floor((H + 2 pad - kernel) / stride) + 1.
  ValueInfo output(const ValueInfo& x) const;
};

extern const OpDefinition kAvgPoolDefinition;

}  // namespace wrpn::runtime::ops
