#include "wrpn/nn/qconv2d.h"

#include "wrpn/nn/layer_quantizer.h"
#include "wrpn/nn/matrix_units.h"
#include "wrpn/nn/packed_ops.h"
#include "wrpn/quant/bits.h"
#include "wrpn/quant/quantizers.h"

namespace wrpn {
namespace nn {

QConv2dImpl::QConv2dImpl(QConv2dOptions options_) : options(std::move(options_)) { reset(); }

void QConv2dImpl::reset() {
  TORCH_CHECK(options.in_channels() > 0 && options.out_channels() > 0,
              "QConv2d channels must be positive, got in_channels=", options.in_channels(),
              " out_channels=", options.out_channels());
  TORCH_CHECK(options.groups() > 0 && options.in_channels() % options.groups() == 0 &&
                  options.out_channels() % options.groups() == 0,
              "QConv2d in_channels (", options.in_channels(), ") and out_channels (", options.out_channels(),
              ") must be divisible by groups (", options.groups(), ")");
  quant::check_bits(options.weight_bits(), "QConv2d weight bits");
  quant::check_bits(options.input_bits(), "QConv2d input bits");
  const auto k = *options.kernel_size();
  const int64_t fan_in = options.in_channels() / options.groups() * k[0] * k[1];
  weight = register_parameter(
      "weight", torch::empty({options.out_channels(), options.in_channels() / options.groups(), k[0], k[1]}));
  gain_ = init_weight(weight, options.weight_param(), fan_in);
  weight_step = register_weight_step(*this, weight, options.weight_bits(), options.scheme());
  if (options.bias()) {
    bias = register_parameter("bias", torch::zeros({options.out_channels()}));
  } else {
    bias = torch::Tensor();
  }
}

void QConv2dImpl::set_weight_bits(int bits) {
  quant::check_bits(bits, "weight bits");
  options.weight_bits(bits);
  weight_step = rebind_weight_step(*this, weight, weight_step, bits, options.scheme());
}

torch::Tensor QConv2dImpl::effective_weight() const {
  return quantized_weight(weight, options.weight_bits(), options.per_channel_alpha(), options.scheme(), weight_step) *
         (gain_ * options.input_scale());
}

torch::Tensor QConv2dImpl::effective_weight(quant::WeightCodes* int8, const quant::WeightCodes** codes,
                                            const torch::Tensor& x) const {
  // Integer codes only for WRPN's levels (the int8 forward's contract); else the float weight.
  if (!quant::weights_on_wrpn_levels(options.scheme())) return effective_weight();
  return effective_weight_and_codes(weight, options.weight_bits(), options.per_channel_alpha(),
                                    gain_ * options.input_scale(), coded_input_bits(options.scheme(), options.input_bits()), x,
                                    int8, codes);
}

torch::Tensor QConv2dImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == options.in_channels(), "QConv2d expects input (N, ", options.in_channels(),
              ", H, W), got ", x.sizes());
  const quant::WeightCodes* codes = nullptr;
  quant::WeightCodes int8;
  torch::Tensor w = effective_weight(&int8, &codes, x);
  torch::Tensor y = conv2d_saving_codes(x, w, bias, *options.stride(), *options.padding(), options.groups(),
                                        coded_input_bits(options.scheme(), options.input_bits()), codes);
  last_input_shape_ = x.sizes().vec();
  last_output_shape_ = y.sizes().vec();
  return y;
}

int64_t QConv2dImpl::macs_per_sample() const {
  if (last_output_shape_.empty()) return 0;
  const auto k = *options.kernel_size();
  const int64_t outputs_per_sample = last_output_shape_[1] * last_output_shape_[2] * last_output_shape_[3];
  return outputs_per_sample * (options.in_channels() / options.groups()) * k[0] * k[1];
}

void QConv2dImpl::pretty_print(std::ostream& stream) const {
  const auto k = *options.kernel_size();
  stream << "wrpn::QConv2d(" << options.in_channels() << ", " << options.out_channels() << ", kernel_size=[" << k[0]
         << ", " << k[1] << "], stride=" << options.stride() << ", padding=" << options.padding()
         << ", wbits=" << options.weight_bits() << ")";
}

}  // namespace nn
}  // namespace wrpn
