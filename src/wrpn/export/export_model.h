// `wrpn export`: a trained zoo model -> a .wrpn graph for the LibTorch-free runtime.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "wrpn/data/dataset.h"
#include "wrpn/models/model_spec.h"
#include "wrpn/runtime/model_format.h"

namespace wrpn {
namespace exporter {

/// Models export accepts (the rest of the zoo is rejected with a message naming it).
bool can_export(const std::string& model_name);

/// The input normalisation the training loader applies to `dataset`, per channel.
runtime::InputSpec input_spec_for(const data::Dataset& dataset, int64_t image_size);

/// uint8 NCHW images normalised as the training loader does (and as the runtime's
/// run_pixels does), as the float batch LibTorch takes.
torch::Tensor normalised_images(const std::vector<uint8_t>& pixels, const runtime::InputSpec& input, int64_t count);

/// Walks `model` (in evaluation mode) and builds its graph. `info_json` is stored verbatim.
/// Throws std::invalid_argument naming the model or layer it cannot express.
runtime::ModelFile export_model(models::Network& model, const models::ModelSpec& spec,
                                const runtime::InputSpec& input, const std::string& info_json);

}  // namespace exporter
}  // namespace wrpn
