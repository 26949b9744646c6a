#include "wrpn/models/blocks/linear_bn.h"

namespace wrpn {
namespace models {

LinearBnImpl::LinearBnImpl(const nn::QLinearOptions& linear, int activation_bits) {
  fc_ = register_module("fc", nn::QLinear(linear));
  bn_ = register_module("bn", torch::nn::BatchNorm1d(linear.out_features()));
  if (activation_bits > 0) act_ = register_module("act", nn::QReLU(nn::QReLUOptions(activation_bits).scheme(linear.scheme())));
}

torch::Tensor LinearBnImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = bn_(fc_(x));
  return act_ ? act_(y) : y;
}

nn::ValueRef LinearBnImpl::describe(nn::GraphSink& sink, nn::ValueRef x, const std::string&) const {
  return sink.linear(x, *fc_, bn_.get(), act_ ? act_.get() : nullptr);
}

}  // namespace models
}  // namespace wrpn
