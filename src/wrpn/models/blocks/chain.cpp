#include "wrpn/models/blocks/chain.h"

namespace wrpn {
namespace models {

torch::Tensor Chain::forward(torch::Tensor x) {
  for (auto& link : blocks_) x = link.forward(x);
  return x;
}

nn::ValueRef Chain::describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const {
  std::vector<nn::NamedChild> children;
  for (const auto& link : blocks_) children.emplace_back(link.name, link.module.get());
  return nn::describe_sequence(sink, x, children, path);
}

}  // namespace models
}  // namespace wrpn
