// max_pool (op 3): the maximum over a kernel x kernel window of the taps inside the input
// (padding taps are skipped, as if -inf), codes compared as codes (docs/FORMAT.md, "Ops").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wrpn/runtime/ops/op_definition.h"
#include "wrpn/runtime/ops/pool_window.h"

namespace wrpn::runtime::ops {

struct MaxPoolAttrs : PoolWindow {
  static MaxPoolAttrs decode(const NodeView& n) { return {PoolWindow::decode(n)}; }
  // The input's kind and bits on the window's (C, OH, OW).
  ValueInfo output(const ValueInfo& x) const { return PoolWindow::output(x, x.kind, x.bits); }
};

extern const OpDefinition kMaxPoolDefinition;

}  // namespace wrpn::runtime::ops
