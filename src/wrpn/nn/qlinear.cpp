#include "wrpn/nn/qlinear.h"

#include "wrpn/nn/layer_quantizer.h"
#include "wrpn/nn/matrix_units.h"
#include "wrpn/nn/packed_ops.h"
#include "wrpn/quant/bits.h"
#include "wrpn/quant/quantizers.h"

namespace wrpn {
namespace nn {

QLinearImpl::QLinearImpl(QLinearOptions options_) : options(std::move(options_)) { reset(); }

void QLinearImpl::reset() {
  TORCH_CHECK(options.in_features() > 0 && options.out_features() > 0,
              "QLinear features must be positive, got in_features=", options.in_features(),
              " out_features=", options.out_features());
  quant::check_bits(options.weight_bits(), "QLinear weight bits");
  quant::check_bits(options.input_bits(), "QLinear input bits");
  weight = register_parameter("weight", torch::empty({options.out_features(), options.in_features()}));
  gain_ = init_weight(weight, options.weight_param(), options.in_features());
  weight_step = register_weight_step(*this, weight, options.weight_bits(), options.scheme());
  if (options.bias()) {
    bias = register_parameter("bias", torch::zeros({options.out_features()}));
  } else {
    bias = torch::Tensor();
  }
}

void QLinearImpl::set_weight_bits(int bits) {
  quant::check_bits(bits, "weight bits");
  options.weight_bits(bits);
  weight_step = rebind_weight_step(*this, weight, weight_step, bits, options.scheme());
}

torch::Tensor QLinearImpl::effective_weight() const {
  return quantized_weight(weight, options.weight_bits(), options.per_channel_alpha(), options.scheme(), weight_step) *
         (gain_ * options.input_scale());
}

torch::Tensor QLinearImpl::effective_weight(quant::WeightCodes* int8, const quant::WeightCodes** codes,
                                            const torch::Tensor& x) const {
  // Integer codes only for WRPN's levels (the int8 forward's contract); else the float weight.
  if (!quant::weights_on_wrpn_levels(options.scheme())) return effective_weight();
  return effective_weight_and_codes(weight, options.weight_bits(), options.per_channel_alpha(),
                                    gain_ * options.input_scale(), coded_input_bits(options.scheme(), options.input_bits()), x,
                                    int8, codes);
}

torch::Tensor QLinearImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.in_features(), "QLinear expects input (N, ", options.in_features(),
              "), got ", x.sizes());
  const quant::WeightCodes* codes = nullptr;
  quant::WeightCodes int8;
  torch::Tensor w = effective_weight(&int8, &codes, x);
  torch::Tensor y = linear_saving_codes(x, w, bias, coded_input_bits(options.scheme(), options.input_bits()), codes);
  last_input_shape_ = x.sizes().vec();
  last_output_shape_ = y.sizes().vec();
  return y;
}

void QLinearImpl::pretty_print(std::ostream& stream) const {
  stream << "wrpn::QLinear(in_features=" << options.in_features() << ", out_features=" << options.out_features()
         << ", wbits=" << options.weight_bits() << ")";
}

}  // namespace nn
}  // namespace wrpn
