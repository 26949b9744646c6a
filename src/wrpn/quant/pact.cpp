#include "wrpn/quant/pact.h"

#include "wrpn/quant/bits.h"

namespace wrpn {
namespace quant {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct PactSte : public torch::autograd::Function<PactSte> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& alpha,
                               int64_t levels) {
    ctx->save_for_backward({x, alpha});
    const torch::Tensor y = torch::minimum(torch::relu(x), alpha);
    if (levels == 0) return y;
    return torch::round(y * (double(levels) / alpha)) * (alpha / double(levels));
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& x = saved[0];
    const torch::Tensor& alpha = saved[1];
    const torch::Tensor g = grads[0];
    const torch::Tensor above = x >= alpha;
    const torch::Tensor inside = torch::logical_and(x >= 0, torch::logical_not(above));
    const torch::Tensor grad_x = g * inside.to(g.scalar_type());
    const torch::Tensor grad_alpha = (g * above.to(g.scalar_type())).sum().reshape(alpha.sizes());
    return {grad_x, grad_alpha, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor pact_activations(const torch::Tensor& x, const torch::Tensor& alpha, int bits) {
  check_bits(bits, "activation bits");
  TORCH_CHECK(alpha.numel() == 1, "PACT alpha must be one value, got ", alpha.numel());
  return PactSte::apply(x, alpha, is_full_precision(bits) ? int64_t(0) : activation_levels(bits));
}

}  // namespace quant
}  // namespace wrpn
