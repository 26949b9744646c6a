// Export of a network described from outside LibTorch's C++ modules: a list of ops with their
// parameters as tensors (what wrpn.torch.export sends from a traced PyTorch network). Each op
// becomes the C++ layer it describes and goes through GraphBuilder, so folding, codes and
// checks are those of `wrpn export`.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "wrpn/runtime/model_format.h"

namespace wrpn {
namespace exporter {

/// `ops`: {"ops": [...], "output": value}, value 0 the input, op i producing value i + 1:
///   {"op": "conv", "x": v, "in": C, "out": O, "kernel": [kh, kw], "stride": s, "padding": p,
///    "weight_bits": b, "per_channel_alpha": bool, "unit": bool (the unit parametrisation's
///    gain; false: gain 1), "weight": t, "bias": t or -1, "bn": BN or null, "act": bits or null}
///   {"op": "linear", ... "in", "out", "weight_bits", "per_channel_alpha", "unit", "weight",
///    "bias", "bn", "act"}
///   {"op": "batch_norm", "x": v, "bn": BN, "act": bits or null}
///   {"op": "max_pool" | "avg_pool", "x": v, "kernel": k, "stride": s, "padding": p}
///   {"op": "global_avg_pool" | "flatten", "x": v}
///   {"op": "add", "a": v, "b": v, "act": bits or null}    {"op": "concat", "parts": [v, ...]}
/// BN = {"weight": t, "bias": t, "mean": t, "var": t, "eps": e}; t indexes `tensors`.
/// Throws std::invalid_argument naming the op index and what is wrong.
runtime::ModelFile export_description(const nlohmann::json& ops, const std::vector<torch::Tensor>& tensors,
                                      const runtime::InputSpec& input, const std::string& info_json);

}  // namespace exporter
}  // namespace wrpn
