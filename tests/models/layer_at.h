// The submodule of a built network at a module path, as its concrete type (tests only).
#pragma once

#include <torch/torch.h>

#include <stdexcept>
#include <string>

namespace wrpn {
namespace testing_util {

template <typename T>
T& layer_at(torch::nn::Module& net, const std::string& path) {
  for (const auto& item : net.named_modules("", false)) {
    if (item.key() == path) return *dynamic_cast<T*>(item.value().get());
  }
  throw std::runtime_error("no layer " + path);
}

}  // namespace testing_util
}  // namespace wrpn
