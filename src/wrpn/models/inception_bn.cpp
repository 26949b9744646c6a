#include "wrpn/models/inception_bn.h"

#include <fmt/format.h>

namespace wrpn {
namespace models {
namespace {

// One row of the paper's table; a stride-2 module has no 1x1 branch and passes its input
// through a max pool instead of a pool projection.
struct ModuleShape {
  const char* name;
  int64_t c1x1, c3x3_reduce, c3x3, double_reduce, double_3x3, pool_proj;
  bool max_pool;
  int64_t stride;
};

constexpr ModuleShape kStage3[] = {
    {"inception3a", 64, 64, 64, 64, 96, 32, false, 1},
    {"inception3b", 64, 64, 96, 64, 96, 64, false, 1},
    {"inception3c", 0, 128, 160, 64, 96, 0, true, 2},
};
constexpr ModuleShape kStage4[] = {
    {"inception4a", 224, 64, 96, 96, 128, 128, false, 1},
    {"inception4b", 192, 96, 128, 96, 128, 128, false, 1},
    {"inception4c", 160, 128, 160, 128, 160, 128, false, 1},
    {"inception4d", 96, 128, 192, 160, 192, 128, false, 1},
    {"inception4e", 0, 128, 192, 192, 256, 0, true, 2},
};
constexpr ModuleShape kStage5[] = {
    {"inception5a", 352, 192, 320, 160, 224, 128, false, 1},
    {"inception5b", 352, 192, 320, 192, 224, 128, true, 1},
};

class InceptionModuleImpl : public torch::nn::Module {
 public:
  InceptionModuleImpl(const ModelSpec& spec, int64_t in, const ModuleShape& m)
      : max_pool_(m.max_pool), stride_(m.stride) {
    const int w = spec.weight_bits;
    if (m.c1x1 > 0) {
      branch1x1_ = register_module("1x1", conv_bn_act(spec, spec.conv(in, spec.wide(m.c1x1), 1, w)));
    }
    const int64_t r3 = spec.wide(m.c3x3_reduce), c3 = spec.wide(m.c3x3);
    branch3x3_ = torch::nn::Sequential(conv_bn_act(spec, spec.conv(in, r3, 1, w)),
                                       conv_bn_act(spec, spec.conv(r3, c3, 3, w, m.stride, 1)));
    register_module("3x3", branch3x3_);
    const int64_t rd = spec.wide(m.double_reduce), cd = spec.wide(m.double_3x3);
    branch_double_ = torch::nn::Sequential(conv_bn_act(spec, spec.conv(in, rd, 1, w)),
                                           conv_bn_act(spec, spec.conv(rd, cd, 3, w, 1, 1)),
                                           conv_bn_act(spec, spec.conv(cd, cd, 3, w, m.stride, 1)));
    register_module("double3x3", branch_double_);
    out_channels = spec.wide(m.c1x1) * (m.c1x1 > 0) + c3 + cd;
    if (m.pool_proj > 0) {
      pool_proj_ = register_module("pool_proj", conv_bn_act(spec, spec.conv(in, spec.wide(m.pool_proj), 1, w)));
      out_channels += spec.wide(m.pool_proj);
    } else {
      out_channels += in;  // pass-through
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {
    std::vector<torch::Tensor> branches;
    if (branch1x1_) branches.push_back(branch1x1_(x));
    branches.push_back(branch3x3_->forward(x));
    branches.push_back(branch_double_->forward(x));
    torch::Tensor pooled = max_pool_ ? torch::max_pool2d(x, 3, stride_, 1)
                                     : torch::avg_pool2d(x, 3, stride_, 1);
    branches.push_back(pool_proj_ ? pool_proj_(pooled) : pooled);
    return torch::cat(branches, 1);
  }

  int64_t out_channels = 0;

 private:
  bool max_pool_;
  int64_t stride_;
  ConvBn branch1x1_{nullptr}, pool_proj_{nullptr};
  torch::nn::Sequential branch3x3_{nullptr}, branch_double_{nullptr};
};
TORCH_MODULE(InceptionModule);

template <size_t N>
torch::nn::Sequential make_stage(const ModelSpec& spec, int64_t& channels,
                                 const ModuleShape (&modules)[N]) {
  torch::nn::Sequential stage;
  for (const auto& m : modules) {
    InceptionModule module(spec, channels, m);
    channels = module->out_channels;
    stage->push_back(m.name, module);
  }
  return stage;
}

}  // namespace

InceptionBn::InceptionBn(const ModelSpec& spec) {
  require_input_size(spec, 32);
  const int w = spec.weight_bits;
  const int64_t c1 = spec.wide(64), c2r = spec.wide(64), c2 = spec.wide(192);
  conv1_ = register_module(
      "conv1", conv_bn_act(spec, spec.conv(spec.in_channels, c1, 7, spec.first_weight_bits, 2, 3)));
  conv2_reduce_ = register_module("conv2_reduce", conv_bn_act(spec, spec.conv(c1, c2r, 1, w)));
  conv2_ = register_module("conv2", conv_bn_act(spec, spec.conv(c2r, c2, 3, w, 1, 1)));
  int64_t channels = c2;
  stage3_ = register_module("stage3", make_stage(spec, channels, kStage3));
  stage4_ = register_module("stage4", make_stage(spec, channels, kStage4));
  stage5_ = register_module("stage5", make_stage(spec, channels, kStage5));
  fc_ = register_module("fc", nn::QLinear(spec.classifier(channels)));
}

torch::Tensor InceptionBn::forward(torch::Tensor x) {
  x = torch::max_pool2d(conv1_(x), 3, 2, 1);
  x = torch::max_pool2d(conv2_(conv2_reduce_(x)), 3, 2, 1);
  x = stage5_->forward(stage4_->forward(stage3_->forward(x)));
  return fc_(x.mean({2, 3}));
}

}  // namespace models
}  // namespace wrpn
