// max_pool (op 3): the maximum over a kernel x kernel window of the taps inside the input
// (padding taps are skipped, as if -inf), codes compared as codes (docs/FORMAT.md, "Ops").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

struct MaxPoolAttrs {
  int kernel = 1;  // 1..64, a kernel x kernel window
  int stride = 1;  // 1..64
  int pad = 0;     // 0..floor(kernel / 2)

  static constexpr size_t kCount = 3;
  std::vector<int32_t> encode() const;  // in file order: kernel, stride, pad
  static MaxPoolAttrs decode(const NodeView& n);
  // The input's kind and bits, (C, OH, OW) with OH = floor((H + 2 pad - kernel) / stride) + 1.
  ValueInfo output(const ValueInfo& x) const;
};

extern const OpDefinition kMaxPoolDefinition;

}  // namespace wrpn::runtime::ops
