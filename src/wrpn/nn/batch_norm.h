// BatchNorm2d as LibTorch's (the same parameters, buffers, options and forward), except that
// in training, behind an int8-forward conv, it keeps no float copy of its input: the backward
// recomputes the conv output from the conv's packed input codes (nn/matrix_units.h,
// nn/packed_ops.h). Gradients are bit-identical either way. It is a torch::nn::BatchNorm2dImpl,
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
