#include "wrpn/quant/lsq.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "wrpn/quant/bits.h"

namespace wrpn {
namespace quant {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct LsqSte : public torch::autograd::Function<LsqSte> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& v, const torch::Tensor& step,
                               int64_t q_n, int64_t q_p, double gradient_scale) {
    ctx->save_for_backward({v, step});
    ctx->saved_data["q_n"] = q_n;
    ctx->saved_data["q_p"] = q_p;
    ctx->saved_data["g"] = gradient_scale;
    return torch::round(torch::clamp(v / step, double(-q_n), double(q_p))) * step;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& v = saved[0];
    const torch::Tensor& step = saved[1];
    const double q_n = double(ctx->saved_data["q_n"].toInt());
    const double q_p = double(ctx->saved_data["q_p"].toInt());
    const double g_scale = ctx->saved_data["g"].toDouble();
    const torch::Tensor g = grads[0];
    const torch::Tensor r = v / step;
    const torch::Tensor below = r <= -q_n;
    const torch::Tensor above = r >= q_p;
    const torch::Tensor inside = torch::logical_not(torch::logical_or(below, above));
    const torch::Tensor grad_v = g * inside.to(g.scalar_type());
    const torch::Tensor ds =
        torch::where(inside, torch::round(r) - r, torch::where(below, torch::full_like(r, -q_n), torch::full_like(r, q_p)));
    const torch::Tensor grad_step = ((g * ds).sum() * g_scale).reshape(step.sizes());
    return {grad_v, grad_step, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

LsqRange lsq_range(int bits, bool is_signed) {
  if (bits < 1 || bits > 8 || (is_signed && bits < 2)) {
    throw std::invalid_argument(fmt::format("LSQ {} bits must be {}..8, got {}", is_signed ? "weight" : "activation",
                                            is_signed ? 2 : 1, bits));
  }
  if (is_signed) return {int64_t{1} << (bits - 1), (int64_t{1} << (bits - 1)) - 1};
  return {0, (int64_t{1} << bits) - 1};
}

double lsq_gradient_scale(int64_t n, int bits, bool is_signed) {
  if (n < 1) throw std::invalid_argument(fmt::format("LSQ gradient scale needs n >= 1, got {}", n));
  return 1.0 / std::sqrt(double(n) * double(lsq_range(bits, is_signed).q_p));
}

torch::Tensor lsq_initial_step(const torch::Tensor& v, int bits, bool is_signed) {
  const torch::NoGradGuard no_grad;
  return (2.0 * v.abs().mean() / std::sqrt(double(lsq_range(bits, is_signed).q_p))).reshape({1});
}

torch::Tensor lsq_quantize(const torch::Tensor& v, const torch::Tensor& step, int bits, bool is_signed,
                           double gradient_scale) {
  const LsqRange r = lsq_range(bits, is_signed);
  TORCH_CHECK(step.numel() == 1, "LSQ step must be one value, got ", step.numel());
  return LsqSte::apply(v, step, r.q_n, r.q_p, gradient_scale);
}

}  // namespace quant
}  // namespace wrpn
