#include "wrpn/models/blocks/residual.h"

namespace wrpn {
namespace models {
namespace {

// The conv path of a post-activation block, then its shortcut, then the add: the order the
// exporter has always emitted them in.
nn::ValueRef residual(nn::GraphSink& sink, nn::ValueRef x, const std::string& path,
                      std::initializer_list<std::pair<const char*, const ConvBn*>> convs, const ConvBn& downsample,
                      int64_t stride, int64_t out, const nn::QReLUImpl* act) {
  nn::ValueRef y = x;
  for (const auto& [name, cb] : convs) y = nn::describe_module(sink, y, **cb, nn::child_path(path, name));
  const nn::ValueRef shortcut = downsample
                                    ? nn::describe_module(sink, x, *downsample, nn::child_path(path, "downsample"))
                                    : sink.shortcut_a(x, int(stride), int(out));
  return sink.add(y, shortcut, act);
}

}  // namespace

torch::Tensor option_a_shortcut(const torch::Tensor& x, int64_t stride, int64_t out_channels) {
  torch::Tensor y = x;
  if (stride != 1) {
    using torch::indexing::None;
    using torch::indexing::Slice;
    y = y.index({Slice(), Slice(), Slice(None, None, stride), Slice(None, None, stride)});
  }
  const int64_t extra = out_channels - x.size(1);
  if (extra == 0) return y;
  const int64_t before = extra / 2;
  return torch::constant_pad_nd(y, {0, 0, 0, 0, before, extra - before});
}

CifarBlockImpl::CifarBlockImpl(const ModelSpec& spec, int64_t in, int64_t out, int64_t stride)
    : stride_(stride), out_(out) {
  conv1_ = register_module("conv1", conv_bn_act(spec, spec.conv(in, out, 3, spec.weight_bits, stride, 1)));
  conv2_ = register_module("conv2", conv_bn(spec.conv(out, out, 3, spec.weight_bits, 1, 1)));
  act_ = register_module("act", nn::QReLU(spec.activation()));
}

torch::Tensor CifarBlockImpl::forward(const torch::Tensor& x) {
  return act_(conv2_(conv1_(x)) + option_a_shortcut(x, stride_, out_));
}

nn::ValueRef CifarBlockImpl::describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const {
  return residual(sink, x, path, {{"conv1", &conv1_}, {"conv2", &conv2_}}, ConvBn(nullptr), stride_, out_, act_.get());
}

PreActBlockImpl::PreActBlockImpl(const ModelSpec& spec, int64_t in, int64_t out, int64_t stride)
    : stride_(stride), out_(out) {
  bn1_ = register_module("bn1", nn::BatchNorm2d(in));
  act1_ = register_module("act1", nn::QReLU(spec.activation()));
  conv1_ = register_module("conv1", nn::QConv2d(spec.conv(in, out, 3, spec.weight_bits, stride, 1)));
  bn2_ = register_module("bn2", nn::BatchNorm2d(out));
  act2_ = register_module("act2", nn::QReLU(spec.activation()));
  // No batch norm follows conv2 before the residual add: it takes the input scale.
  conv2_ = register_module(
      "conv2", nn::QConv2d(spec.conv(out, out, 3, spec.weight_bits, 1, 1).input_scale(spec.activation_range())));
}

torch::Tensor PreActBlockImpl::forward(const torch::Tensor& x) {
  const torch::Tensor y = conv1_(act1_(bn1_(x)));
  return conv2_(act2_(bn2_(y))) + option_a_shortcut(x, stride_, out_);
}

nn::ValueRef PreActBlockImpl::describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const {
  const nn::ValueRef y = nn::describe_sequence(sink, x,
                                               {{"bn1", bn1_.get()},
                                                {"act1", act1_.get()},
                                                {"conv1", conv1_.get()},
                                                {"bn2", bn2_.get()},
                                                {"act2", act2_.get()},
                                                {"conv2", conv2_.get()}},
                                               path);
  return sink.add(y, sink.shortcut_a(x, int(stride_), int(out_)), nullptr);
}

BasicBlockImpl::BasicBlockImpl(const ModelSpec& spec, int64_t in, int64_t out, int64_t stride, int shortcut_bits) {
  conv1_ = register_module("conv1", conv_bn_act(spec, spec.conv(in, out, 3, spec.weight_bits, stride, 1)));
  conv2_ = register_module("conv2", conv_bn(spec.conv(out, out, 3, spec.weight_bits, 1, 1)));
  if (stride != 1 || in != out) {
    downsample_ = register_module("downsample", conv_bn(spec.conv(in, out, 1, shortcut_bits, stride)));
  }
  act_ = register_module("act", nn::QReLU(spec.activation()));
}

torch::Tensor BasicBlockImpl::forward(const torch::Tensor& x) {
  const torch::Tensor shortcut = downsample_ ? downsample_(x) : x;
  return act_(conv2_(conv1_(x)) + shortcut);
}

nn::ValueRef BasicBlockImpl::describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const {
  // Without a downsample the shapes agree: option A with stride 1 and no new channels is x.
  const int64_t out = conv2_->conv_options().out_channels();
  return residual(sink, x, path, {{"conv1", &conv1_}, {"conv2", &conv2_}}, downsample_, 1, out, act_.get());
}

BottleneckImpl::BottleneckImpl(const ModelSpec& spec, int64_t in, int64_t mid, int64_t out, int64_t stride,
                               int shortcut_bits) {
  const int w = spec.weight_bits;
  conv1_ = register_module("conv1", conv_bn_act(spec, spec.conv(in, mid, 1, w)));
  conv2_ = register_module("conv2", conv_bn_act(spec, spec.conv(mid, mid, 3, w, stride, 1)));
  conv3_ = register_module("conv3", conv_bn(spec.conv(mid, out, 1, w)));
  if (stride != 1 || in != out) {
    downsample_ = register_module("downsample", conv_bn(spec.conv(in, out, 1, shortcut_bits, stride)));
  }
  act_ = register_module("act", nn::QReLU(spec.activation()));
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
  const torch::Tensor shortcut = downsample_ ? downsample_(x) : x;
  return act_(conv3_(conv2_(conv1_(x))) + shortcut);
}

nn::ValueRef BottleneckImpl::describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const {
  const int64_t out = conv3_->conv_options().out_channels();
  return residual(sink, x, path, {{"conv1", &conv1_}, {"conv2", &conv2_}, {"conv3", &conv3_}}, downsample_, 1, out,
                  act_.get());
}

}  // namespace models
}  // namespace wrpn
