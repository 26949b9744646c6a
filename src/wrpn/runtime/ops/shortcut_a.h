// shortcut_a (op 6): ResNet's option-A shortcut. Subsamples by `stride` and zero-pads the
// channels: out[pad_before + c][y][x] = x[c][y * stride][x * stride] (docs/FORMAT.md, "Ops").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

struct ShortcutAAttrs {
  int stride = 1;      // 1..64
  int pad_before = 0;  // zero channels before the input's, 0..65536
  int pad_after = 0;   // and after them, 0..65536

  static constexpr size_t kCount = 3;
  std::vector<int32_t> encode() const;  // in file order: stride, pad_before, pad_after
  static ShortcutAAttrs decode(const NodeView& n);
  // The input's kind and bits, (C + pad_before + pad_after, ceil(H / stride), ceil(W / stride)).
  ValueInfo output(const ValueInfo& x) const;
};

extern const OpDefinition kShortcutADefinition;

}  // namespace wrpn::runtime::ops
