// Where a .wrpn file's bytes go: packed k-bit weights against their float32 size, float
// tensors (full-precision layers, per-channel scales and biases) and format overhead.
#pragma once

#include <cstddef>
#include <map>

#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime {

struct SizeBreakdown {
  size_t file_bytes = 0;
  size_t packed_weight_bytes = 0;  // k-bit weight payloads
  size_t packed_weight_elements = 0;
  std::map<int, size_t> packed_bytes_by_bits, elements_by_bits;
  size_t float_weight_bytes = 0;  // float32 weights of the full-precision layers
  size_t scale_bias_bytes = 0;    // per-channel output transforms
  size_t overhead_bytes = 0;      // header, info, tables, alignment padding
  /// packed_weight_bytes / (4 * packed_weight_elements): k/32 when nothing is wasted.
  double packed_ratio() const {
    return packed_weight_elements ? double(packed_weight_bytes) / (4.0 * double(packed_weight_elements)) : 0.0;
  }
};

SizeBreakdown size_breakdown(const ModelFile& model);

}  // namespace wrpn::runtime
