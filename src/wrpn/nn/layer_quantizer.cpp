#include "wrpn/nn/layer_quantizer.h"

#include <fmt/format.h>

#include <stdexcept>

#include "wrpn/quant/bits.h"
#include "wrpn/quant/dorefa.h"
#include "wrpn/quant/lsq.h"
#include "wrpn/quant/quantizers.h"

namespace wrpn {
namespace nn {

torch::Tensor quantized_weight(const torch::Tensor& weight, int bits, bool per_channel, quant::Scheme scheme,
                               const torch::Tensor& lsq_step) {
  if (quant::is_full_precision(bits)) return weight;
  switch (scheme) {
    case quant::Scheme::Wrpn:
      return quant::quantize_weights(weight, bits, per_channel);
    case quant::Scheme::Dorefa:
    case quant::Scheme::Pact:
      return quant::dorefa_weights(weight, bits);
    case quant::Scheme::Lsq:
      return quant::lsq_quantize(weight, lsq_step, bits, /*is_signed=*/true,
                                 quant::lsq_gradient_scale(weight.numel(), bits, /*is_signed=*/true));
  }
  return weight;
}

torch::Tensor register_weight_step(torch::nn::Module& layer, const torch::Tensor& weight, int bits,
                                   quant::Scheme scheme) {
  if (scheme != quant::Scheme::Lsq || quant::is_full_precision(bits)) return torch::Tensor();
  if (bits < 2) {
    throw std::invalid_argument(
        fmt::format("LSQ has no 1-bit weights (its signed range is -1..0); use 2..8 or 32 weight bits, got {}", bits));
  }
  return layer.register_parameter("weight_step", quant::lsq_initial_step(weight, bits, /*is_signed=*/true));
}

torch::Tensor rebind_weight_step(torch::nn::Module& layer, const torch::Tensor& weight, const torch::Tensor& step,
                                 int bits, quant::Scheme scheme) {
  if (scheme != quant::Scheme::Lsq) return torch::Tensor();
  if (quant::is_full_precision(bits)) {
    if (step.defined()) step.set_requires_grad(false);
    return torch::Tensor();
  }
  if (!step.defined()) return register_weight_step(layer, weight, bits, scheme);
  if (bits < 2) register_weight_step(layer, weight, bits, scheme);  // throws: LSQ has no 1-bit weights
  const torch::NoGradGuard no_grad;
  step.copy_(quant::lsq_initial_step(weight, bits, /*is_signed=*/true));
  step.set_requires_grad(true);
  return step;
}

}  // namespace nn
}  // namespace wrpn
