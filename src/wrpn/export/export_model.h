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

/// The input normalisation the training loader applies to `dataset`, per channel.
runtime::InputSpec input_spec_for(const data::Dataset& dataset, int64_t image_size);
/// The same from a checkpoint's {"mean": [...], "std": [...]} (train/checkpoint.h) and the
/// model's input shape; throws std::invalid_argument when it does not fit the spec.
runtime::InputSpec input_spec_of(const nlohmann::json& normalisation, const models::ModelSpec& spec);

/// uint8 NCHW images normalised as the training loader does (and as the runtime's
/// run_pixels does), as the float batch LibTorch takes.
torch::Tensor normalised_images(const std::vector<uint8_t>& pixels, const runtime::InputSpec& input, int64_t count);

/// Builds the graph of `model` (put in evaluation mode) from its own description
/// (nn/graph_sink.h): any network made of wrpn's layers and blocks exports. `info_json` is
/// stored verbatim. Throws nn::DescribeError (a std::invalid_argument) naming the first layer
/// the runtime has no op for, and why.
runtime::ModelFile export_model(models::Network& model, const runtime::InputSpec& input, const std::string& info_json);

}  // namespace exporter
}  // namespace wrpn
