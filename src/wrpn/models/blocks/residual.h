// Residual blocks of the zoo's ResNets, public so that a user's network can use them.
//  - CifarBlock: conv3x3 -> BN -> act -> conv3x3 -> BN, + option-A shortcut, then act.
//  - PreActBlock: BN -> act -> conv3x3 -> BN -> act -> conv3x3, + option-A shortcut.
//  - BasicBlock: as CifarBlock with a 1x1 conv + BN shortcut where the shape changes.
//  - Bottleneck: conv1x1 -> conv3x3 (stride) -> conv1x1 (x4), + the same shortcut, then act.
// Option A (He et al. 2016) is parameter-free: a stride-2 subsample and zero-padded channels.
#pragma once

#include "wrpn/models/blocks/conv_bn.h"

namespace wrpn {
namespace models {

/// Keep every `stride`-th pixel and pad the new channels with zeros, split between both ends.
torch::Tensor option_a_shortcut(const torch::Tensor& x, int64_t stride, int64_t out_channels);

class CifarBlockImpl : public torch::nn::Module, public nn::Describable {
 public:
  CifarBlockImpl(const ModelSpec& spec, int64_t in, int64_t out, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const override;

 private:
  int64_t stride_, out_;
  ConvBn conv1_{nullptr}, conv2_{nullptr};
  nn::QReLU act_{nullptr};
};
TORCH_MODULE(CifarBlock);

class PreActBlockImpl : public torch::nn::Module, public nn::Describable {
 public:
  PreActBlockImpl(const ModelSpec& spec, int64_t in, int64_t out, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const override;

 private:
  int64_t stride_, out_;
  nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  nn::QReLU act1_{nullptr}, act2_{nullptr};
  nn::QConv2d conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(PreActBlock);

class BasicBlockImpl : public torch::nn::Module, public nn::Describable {
 public:
  /// `shortcut_bits`: weight bits of the 1x1 shortcut conv.
  BasicBlockImpl(const ModelSpec& spec, int64_t in, int64_t out, int64_t stride, int shortcut_bits);
  torch::Tensor forward(const torch::Tensor& x);
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const override;

 private:
  ConvBn conv1_{nullptr}, conv2_{nullptr}, downsample_{nullptr};
  nn::QReLU act_{nullptr};
};
TORCH_MODULE(BasicBlock);

class BottleneckImpl : public torch::nn::Module, public nn::Describable {
 public:
  BottleneckImpl(const ModelSpec& spec, int64_t in, int64_t mid, int64_t out, int64_t stride, int shortcut_bits);
  torch::Tensor forward(const torch::Tensor& x);
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const override;

 private:
  ConvBn conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr}, downsample_{nullptr};
  nn::QReLU act_{nullptr};
};
TORCH_MODULE(Bottleneck);

}  // namespace models
}  // namespace wrpn
