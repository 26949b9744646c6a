// A small hand-built .wrpn graph exercising every op, and an independent float oracle for it.
#pragma once

#include <cstdint>
#include <vector>

#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime::testing {

// input (2, 6, 6) -> conv3x3 float weights -> codes/2 -> conv3x3 2-bit weights -> float
//   + shortcut -> add -> codes/2 -> max_pool 2 -> conv1x1 4-bit (codes out 4 bits)
//   -> flatten -> linear 3-bit weights (codes in) -> float -> linear float weights -> logits (3).
// Plus a second branch through global_avg_pool + channel_affine summed in, so every op runs.
ModelFile tiny_model(uint32_t seed);

// The same network in plain float loops, written independently of the runtime.
std::vector<float> tiny_model_reference(const ModelFile& model, const std::vector<float>& input_nchw, int batch);

// Recomputes the header's CRC-32 after a test edited the body.
void refresh_checksum(std::vector<uint8_t>& file);

}  // namespace wrpn::runtime::testing
