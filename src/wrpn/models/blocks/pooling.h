// Shape-changing blocks without parameters: pools and flatten, each describing itself.
#pragma once

#include "wrpn/nn/graph_sink.h"

namespace wrpn {
namespace models {

/// Max pooling. With `input_bits` < 32 on a quantizer's output it keeps, for the backward,
/// only each maximum's offset in its window (nn/packed_ops.h); 0 pools as torch does.
struct MaxPoolOptions {
  MaxPoolOptions(int64_t kernel) : kernel_(kernel) {}  // NOLINT: a kernel size reads as options
  TORCH_ARG(int64_t, kernel);
  /// 0: the kernel size.
  TORCH_ARG(int64_t, stride) = 0;
  TORCH_ARG(int64_t, padding) = 0;
  TORCH_ARG(int, input_bits) = 0;
};

class MaxPoolImpl : public torch::nn::Module, public nn::Describable {
 public:
  explicit MaxPoolImpl(MaxPoolOptions options) : options(options) {}
  torch::Tensor forward(const torch::Tensor& x);
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const override;
  MaxPoolOptions options;
};
TORCH_MODULE(MaxPool);

/// Average pooling as torch::avg_pool2d (the zero padding counts in the mean).
class AvgPoolImpl : public torch::nn::Module, public nn::Describable {
 public:
  AvgPoolImpl(int64_t kernel, int64_t stride, int64_t padding) : kernel_(kernel), stride_(stride), padding_(padding) {}
  torch::Tensor forward(const torch::Tensor& x);
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const override;

 private:
  int64_t kernel_, stride_, padding_;
};
TORCH_MODULE(AvgPool);

/// Mean over H and W: (N, C, H, W) -> (N, C).
class GlobalAvgPoolImpl : public torch::nn::Module, public nn::Describable {
 public:
  torch::Tensor forward(const torch::Tensor& x) { return x.mean({2, 3}); }
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string&) const override {
    return sink.global_avg_pool(x);
  }
};
TORCH_MODULE(GlobalAvgPool);

/// torch::adaptive_avg_pool2d to size x size.
class AdaptiveAvgPoolImpl : public torch::nn::Module, public nn::Describable {
 public:
  explicit AdaptiveAvgPoolImpl(int64_t size) : size_(size) {}
  torch::Tensor forward(const torch::Tensor& x) { return torch::adaptive_avg_pool2d(x, {size_, size_}); }
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string&) const override {
    return sink.adaptive_avg_pool(x, int(size_));
  }

 private:
  int64_t size_;
};
TORCH_MODULE(AdaptiveAvgPool);

/// (N, C, H, W) -> (N, C*H*W).
class FlattenImpl : public torch::nn::Module, public nn::Describable {
 public:
  torch::Tensor forward(const torch::Tensor& x) { return x.flatten(1); }
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string&) const override {
    return sink.flatten(x);
  }
};
TORCH_MODULE(Flatten);

}  // namespace models
}  // namespace wrpn
