// avg_pool (op 10, format 1.1): the mean of a kernel x kernel window, padding taps counted as
// zeros (the divisor is always kernel^2, as torch's avg_pool2d with count_include_pad), on real
// values (codes as code / (2^bits - 1)); the output is float (docs/FORMAT.md, "Ops").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wrpn/runtime/ops/op_definition.h"
#include "wrpn/runtime/ops/pool_window.h"

namespace wrpn::runtime::ops {

struct AvgPoolAttrs : PoolWindow {
  static AvgPoolAttrs decode(const NodeView& n) { return {PoolWindow::decode(n)}; }
  // Float, on the window's (C, OH, OW).
  ValueInfo output(const ValueInfo& x) const { return PoolWindow::output(x, ValueKind::kFloat, 32); }
};

extern const OpDefinition kAvgPoolDefinition;

}  // namespace wrpn::runtime::ops
