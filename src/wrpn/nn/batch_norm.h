// BatchNorm2d as LibTorch's (the same parameters, buffers, options and forward), except in
// training: it runs on wrpn's kernels (nn/batch_norm_training.h: LibTorch's results up to float
// summation order), and behind an int8-forward conv with recompute on it keeps no float copy
// of its input: the backward recomputes the conv output from the conv's packed input codes
// (nn/matrix_units.h, nn/packed_ops.h), with gradients bit-identical to keeping it. It is a torch::nn::BatchNorm2dImpl,
// so export, summaries and activation_range() see an ordinary batch norm.
#pragma once

#include <torch/torch.h>

namespace wrpn {
namespace nn {

class BatchNorm2dImpl : public torch::nn::BatchNorm2dImpl {
 public:
  using torch::nn::BatchNorm2dImpl::BatchNorm2dImpl;
  torch::Tensor forward(const torch::Tensor& input);
};

TORCH_MODULE(BatchNorm2d);

}  // namespace nn
}  // namespace wrpn
