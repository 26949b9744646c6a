// add (op 5): y = real(a) + real(b) in binary32 on two values of equal shape (floats or codes
// of any bits), then the activation (docs/FORMAT.md, "Ops").
#pragma once

#include "wrpn/runtime/ops/activation.h"
#include "wrpn/runtime/ops/op_definition.h"

namespace wrpn::runtime::ops {

using AddAttrs = ActivationAttrs;  // out_mode, out_bits

extern const OpDefinition kAddDefinition;

}  // namespace wrpn::runtime::ops
