// One module of BN-Inception (Ioffe & Szegedy 2015): 1x1, 3x3 and double-3x3 branches and a
// pooled branch, concatenated along the channels.
#pragma once

#include "wrpn/models/blocks/conv_bn.h"

namespace wrpn {
namespace models {

/// One row of the paper's table; a stride-2 module has no 1x1 branch and passes its input
/// through a max pool instead of a pool projection.
struct InceptionShape {
  const char* name;
  int64_t c1x1, c3x3_reduce, c3x3, double_reduce, double_3x3, pool_proj;
  bool max_pool;
  int64_t stride;
};

class InceptionModuleImpl : public torch::nn::Module, public nn::Describable {
 public:
  /// `stage`: the stage it widens with (ModelSpec::wide).
  InceptionModuleImpl(const ModelSpec& spec, const std::string& stage, int64_t in, const InceptionShape& m);
  torch::Tensor forward(const torch::Tensor& x);
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const override;

  int64_t out_channels = 0;

 private:
  bool max_pool_;
  int64_t stride_;
  ConvBn branch1x1_{nullptr}, pool_proj_{nullptr};
  torch::nn::Sequential branch3x3_{nullptr}, branch_double_{nullptr};
};
TORCH_MODULE(InceptionModule);

}  // namespace models
}  // namespace wrpn
