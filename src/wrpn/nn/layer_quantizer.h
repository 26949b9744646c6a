// What QConv2d, QLinear and QReLU do differently under each quantizer (quant/scheme.h), in
// one place: the quantized weight, the learned parameters a scheme adds, and what the packed
// saving and the int8 forward may assume about a layer's input.
#pragma once

#include <torch/torch.h>

#include "wrpn/quant/scheme.h"

namespace wrpn {
namespace nn {

/// The quantized weight in quantizer units (the layer multiplies it by its gain): WRPN's
/// quantize_weights, DoReFa's for dorefa and pact, LSQ's with `lsq_step` for lsq.
torch::Tensor quantized_weight(const torch::Tensor& weight, int bits, bool per_channel, quant::Scheme scheme,
                               const torch::Tensor& lsq_step);

/// Registers LSQ's weight step on `layer` ("weight_step", initialised from `weight` as the
/// paper says) when the scheme is lsq and the weights are quantized; an undefined tensor
/// otherwise. Throws std::invalid_argument for 1-bit LSQ weights (no LSQ form).
torch::Tensor register_weight_step(torch::nn::Module& layer, const torch::Tensor& weight, int bits,
                                   quant::Scheme scheme);

/// A layer's weight bits changed after it was built (models/layer_bits.h): LSQ's step is
/// registered or re-initialised for the new bits; at 32 bits a step left from before stops
/// training (no gradient reaches it). Returns the step the layer quantizes with now.
torch::Tensor rebind_weight_step(torch::nn::Module& layer, const torch::Tensor& weight, const torch::Tensor& step,
                                 int bits, quant::Scheme scheme);

/// The input bits the packed saving and the int8 forward see: the layer's own where its input
/// is WRPN-range codes, 32 (a float input: neither applies) where a learned range scales them.
inline int coded_input_bits(quant::Scheme scheme, int input_bits) {
  return quant::activations_in_unit_range(scheme) ? input_bits : 32;
}

}  // namespace nn
}  // namespace wrpn
