// A network that is its blocks in order: forward applies them one after the other, describe
// describes them one after the other. The zoo's networks and a user's own are chains.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "wrpn/models/model_spec.h"

namespace wrpn {
namespace models {

class Chain : public Network {
 public:
  torch::Tensor forward(torch::Tensor images) override;
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const override;

  /// Registers `block` under `name` (its parameters are "name.*") and appends it to the chain.
  template <typename Holder>
  Holder add(const std::string& name, Holder block) {
    register_module(name, block);
    blocks_.push_back({name, block.ptr(), [block](const torch::Tensor& x) mutable { return block->forward(x); }});
    return block;
  }

 private:
  struct Link {
    std::string name;
    std::shared_ptr<torch::nn::Module> module;
    std::function<torch::Tensor(const torch::Tensor&)> forward;
  };
  std::vector<Link> blocks_;
};

}  // namespace models
}  // namespace wrpn
