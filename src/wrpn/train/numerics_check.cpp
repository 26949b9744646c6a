#include "wrpn/train/numerics_check.h"

namespace wrpn {
namespace train {
namespace {

bool all_finite(const torch::Tensor& t) {
  return !t.defined() || !t.is_floating_point() || torch::isfinite(t).all().item<bool>();
}

}  // namespace

std::string first_non_finite_buffer(const torch::nn::Module& model) {
  for (const auto& b : model.named_buffers()) {
    if (!all_finite(b.value())) return b.key();
  }
  return "";
}

std::string first_non_finite_gradient(const torch::nn::Module& model) {
  for (const auto& p : model.named_parameters()) {
    if (!all_finite(p.value().grad())) return p.key();
  }
  return "";
}

}  // namespace train
}  // namespace wrpn
