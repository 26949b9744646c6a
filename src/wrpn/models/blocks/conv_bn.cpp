#include "wrpn/models/blocks/conv_bn.h"

namespace wrpn {
namespace models {

ConvBnImpl::ConvBnImpl(const nn::QConv2dOptions& conv, int activation_bits) {
  conv_ = register_module("conv", nn::QConv2d(conv));
  bn_ = register_module("bn", nn::BatchNorm2d(conv.out_channels()));
  if (activation_bits > 0) act_ = register_module("act", nn::QReLU(nn::QReLUOptions(activation_bits).scheme(conv.scheme())));
}

torch::Tensor ConvBnImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = bn_(conv_(x));
  return act_ ? act_(y) : y;
}

nn::ValueRef ConvBnImpl::describe(nn::GraphSink& sink, nn::ValueRef x, const std::string&) const {
  return sink.conv(x, *conv_, bn_.get(), act_ ? act_.get() : nullptr);
}

}  // namespace models
}  // namespace wrpn
