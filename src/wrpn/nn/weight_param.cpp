#include "wrpn/nn/weight_param.h"

#include <cmath>
#include <stdexcept>

namespace wrpn {
namespace nn {

WeightParam parse_weight_param(const std::string& name) {
  if (name == "unit") return WeightParam::Unit;
  if (name == "torch") return WeightParam::Torch;
  throw std::invalid_argument("weight parametrisation must be 'unit' or 'torch', got '" + name + "'");
}

std::string to_string(WeightParam param) { return param == WeightParam::Unit ? "unit" : "torch"; }

double init_weight(torch::Tensor& weight, WeightParam param, int64_t fan_in) {
  torch::NoGradGuard no_grad;
  if (param == WeightParam::Unit) {
    weight.uniform_(-1.0, 1.0);
    return std::sqrt(6.0 / double(fan_in));
  }
  // LibTorch's default for Conv2d/Linear: kaiming_uniform_(a = sqrt(5)) = U(+-1/sqrt(fan_in)).
  const double bound = 1.0 / std::sqrt(double(fan_in));
  weight.uniform_(-bound, bound);
  return 1.0;
}

int64_t widen(int64_t channels, double width) {
  if (!(width > 0.0) || !std::isfinite(width)) {
    throw std::invalid_argument("width multiplier must be a positive number, got " + std::to_string(width));
  }
  return std::max<int64_t>(1, std::llround(double(channels) * width));
}

}  // namespace nn
}  // namespace wrpn
