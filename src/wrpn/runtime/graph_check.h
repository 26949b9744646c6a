// Semantic validation of a model graph: references, shapes, bit widths and constant
// tensors of every node, so the runtime can trust what it executes.
#pragma once

#include <cstdint>

#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime {

// Throws unless this runtime reads files of that version: major kVersionMajor and minor at
// most kVersionMinor (docs/FORMAT.md, "Versions").
void check_version(uint16_t major, uint16_t minor);

// Throws std::runtime_error naming the value, the tensor or the node (index and op) and the
// offending field.
void validate_graph(const ModelFile& model);

// The largest value any single activation tensor may have per sample (elements).
constexpr size_t kMaxValueElements = size_t(1) << 28;

}  // namespace wrpn::runtime
