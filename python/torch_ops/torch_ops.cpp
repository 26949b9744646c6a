// The WRPN quantizers as PyTorch operators, torch.ops.wrpn.*, for networks designed in Python:
// torch.ops.load_library("libwrpn_torch_ops.so"). They are the training library's own
// quantizers (src/wrpn/quant/quantizers.h, the contract of ../shared/WRPN.md), so a layer built
// on them in Python trains and rounds exactly as wrpn's C++ layers do, gradients included.
#include <torch/library.h>

#include "wrpn/nn/weight_param.h"
#include "wrpn/quant/bits.h"
#include "wrpn/quant/quantizers.h"

namespace {

torch::Tensor quantize_activations(const torch::Tensor& a, int64_t bits) {
  wrpn::quant::check_bits(int(bits), "wrpn::quantize_activations bits");
  return wrpn::quant::quantize_activations(a, int(bits));
}

torch::Tensor quantize_weights(const torch::Tensor& w, int64_t bits, bool per_channel) {
  wrpn::quant::check_bits(int(bits), "wrpn::quantize_weights bits");
  return wrpn::quant::quantize_weights(w, int(bits), per_channel);
}

// The constant the "unit" parametrisation multiplies quantized weights by: weights live in
// quantizer units, U(-1, 1) at init, and gain * Q(w) is Kaiming-uniform (nn/weight_param.h).
double unit_weight_gain(int64_t fan_in) {
  TORCH_CHECK(fan_in > 0, "wrpn::unit_weight_gain fan_in must be positive, got ", fan_in);
  torch::Tensor scratch = torch::empty({1, fan_in});
  return wrpn::nn::init_weight(scratch, wrpn::nn::WeightParam::Unit, fan_in);
}

// WRPN's width multiplier, as every wrpn model widens its hidden layers.
int64_t widen(int64_t channels, double width) { return wrpn::nn::widen(channels, width); }

}  // namespace

TORCH_LIBRARY(wrpn, m) {
  m.def("quantize_activations(Tensor a, int bits) -> Tensor");
  m.def("quantize_weights(Tensor w, int bits, bool per_channel=False) -> Tensor");
  m.def("unit_weight_gain(int fan_in) -> float");
  m.def("widen(int channels, float width) -> int");
  // Composite: the C++ quantizers build their own autograd nodes (straight-through gradients),
  // so the operators differentiate on any device without a separate backward registration.
  m.impl("quantize_activations", c10::DispatchKey::CompositeImplicitAutograd, TORCH_FN(quantize_activations));
  m.impl("quantize_weights", c10::DispatchKey::CompositeImplicitAutograd, TORCH_FN(quantize_weights));
  m.impl("unit_weight_gain", c10::DispatchKey::CompositeImplicitAutograd, TORCH_FN(unit_weight_gain));
  m.impl("widen", c10::DispatchKey::CompositeImplicitAutograd, TORCH_FN(widen));
}
