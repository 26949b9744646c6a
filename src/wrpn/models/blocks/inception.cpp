#include "wrpn/models/blocks/inception.h"

namespace wrpn {
namespace models {

InceptionModuleImpl::InceptionModuleImpl(const ModelSpec& spec, const std::string& stage, int64_t in,
                                         const InceptionShape& m)
    : max_pool_(m.max_pool), stride_(m.stride) {
  const int w = spec.weight_bits;
  if (m.c1x1 > 0) {
    branch1x1_ = register_module("1x1", conv_bn_act(spec, spec.conv(in, spec.wide(m.c1x1, stage), 1, w)));
  }
  const int64_t r3 = spec.wide(m.c3x3_reduce, stage), c3 = spec.wide(m.c3x3, stage);
  branch3x3_ = torch::nn::Sequential(conv_bn_act(spec, spec.conv(in, r3, 1, w)),
                                     conv_bn_act(spec, spec.conv(r3, c3, 3, w, m.stride, 1)));
  register_module("3x3", branch3x3_);
  const int64_t rd = spec.wide(m.double_reduce, stage), cd = spec.wide(m.double_3x3, stage);
  branch_double_ = torch::nn::Sequential(conv_bn_act(spec, spec.conv(in, rd, 1, w)),
                                         conv_bn_act(spec, spec.conv(rd, cd, 3, w, 1, 1)),
                                         conv_bn_act(spec, spec.conv(cd, cd, 3, w, m.stride, 1)));
  register_module("double3x3", branch_double_);
  out_channels = spec.wide(m.c1x1, stage) * (m.c1x1 > 0) + c3 + cd;
  if (m.pool_proj > 0) {
    pool_proj_ = register_module("pool_proj", conv_bn_act(spec, spec.conv(in, spec.wide(m.pool_proj, stage), 1, w)));
    out_channels += spec.wide(m.pool_proj, stage);
  } else {
    out_channels += in;  // pass-through
  }
}

torch::Tensor InceptionModuleImpl::forward(const torch::Tensor& x) {
  std::vector<torch::Tensor> branches;
  if (branch1x1_) branches.push_back(branch1x1_(x));
  branches.push_back(branch3x3_->forward(x));
  branches.push_back(branch_double_->forward(x));
  torch::Tensor pooled = max_pool_ ? torch::max_pool2d(x, 3, stride_, 1) : torch::avg_pool2d(x, 3, stride_, 1);
  branches.push_back(pool_proj_ ? pool_proj_(pooled) : pooled);
  return torch::cat(branches, 1);
}

nn::ValueRef InceptionModuleImpl::describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const {
  std::vector<nn::ValueRef> branches;
  if (branch1x1_) branches.push_back(nn::describe_module(sink, x, *branch1x1_, nn::child_path(path, "1x1")));
  branches.push_back(nn::describe_module(sink, x, *branch3x3_, nn::child_path(path, "3x3")));
  branches.push_back(nn::describe_module(sink, x, *branch_double_, nn::child_path(path, "double3x3")));
  const nn::ValueRef pooled = max_pool_ ? sink.max_pool(x, 3, int(stride_), 1) : sink.avg_pool(x, 3, int(stride_), 1);
  branches.push_back(pool_proj_ ? nn::describe_module(sink, pooled, *pool_proj_, nn::child_path(path, "pool_proj"))
                                : pooled);
  return sink.concat(branches);
}

}  // namespace models
}  // namespace wrpn
