// Where a NaN or Inf first shows in a training step: a batch-norm statistic after the
// forward, a parameter's gradient after the backward. The trainer stops the run there and
// names the tensor, the step and the last good checkpoint.
#pragma once

#include <torch/torch.h>

#include <string>

namespace wrpn {
namespace train {

/// The first buffer (e.g. "features.1.running_var") holding a NaN or Inf, or "" when all are finite.
std::string first_non_finite_buffer(const torch::nn::Module& model);

/// The first parameter (e.g. "features.3.weight") whose gradient holds a NaN or Inf, or "".
std::string first_non_finite_gradient(const torch::nn::Module& model);

}  // namespace train
}  // namespace wrpn
