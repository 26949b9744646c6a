// The window of max_pool and avg_pool: kernel x kernel taps every `stride`, `pad` on each side,
// its attributes in file order and the output size rule they share (docs/FORMAT.md, "Ops").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

struct PoolWindow {
  int kernel = 1;  // 1..64, a kernel x kernel window
  int stride = 1;  // 1..64
  int pad = 0;     // 0..floor(kernel / 2): every window holds at least one input tap

  static constexpr size_t kCount = 3;
  std::vector<int32_t> encode() const;  // in file order: kernel, stride, pad
  static PoolWindow decode(const NodeView& n);
  // (C, OH, OW) of `kind` and `bits`, OH = floor((H + 2 pad - kernel) / stride) + 1, likewise OW.
  ValueInfo output(const ValueInfo& x, ValueKind kind, int bits) const;
  // Throws, naming the node, unless the padded input holds one window.
  void check_fits(const NodeView& n, const ValueInfo& x) const;
};

}  // namespace wrpn::runtime::ops
