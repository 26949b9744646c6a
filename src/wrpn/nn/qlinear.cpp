#include "wrpn/nn/qlinear.h"

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
  weight = register_parameter("weight",
                              torch::empty({options.out_features(), options.in_features()}));
  gain_ = init_weight(weight, options.weight_param(), options.in_features());
  if (options.bias()) {
    bias = register_parameter("bias", torch::zeros({options.out_features()}));
  } else {
    bias = torch::Tensor();
  }
}

torch::Tensor QLinearImpl::effective_weight() const {
  return quant::quantize_weights(weight, options.weight_bits(), options.per_channel_alpha()) *
         (gain_ * options.input_scale());
}

torch::Tensor QLinearImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.in_features(), "QLinear expects input (N, ",
              options.in_features(), "), got ", x.sizes());
  torch::Tensor y = linear_saving_codes(x, effective_weight(), bias, options.input_bits());
  last_input_shape_ = x.sizes().vec();
  last_output_shape_ = y.sizes().vec();
  return y;
}

void QLinearImpl::pretty_print(std::ostream& stream) const {
  stream << "wrpn::QLinear(in_features=" << options.in_features()
         << ", out_features=" << options.out_features() << ", wbits=" << options.weight_bits()
         << ")";
}

}  // namespace nn
}  // namespace wrpn
