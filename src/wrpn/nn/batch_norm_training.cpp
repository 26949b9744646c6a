#include "wrpn/nn/batch_norm_training.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <atomic>
#include <cmath>
#include <stdexcept>

#include "wrpn/kernels/batch_norm_kernels.h"

namespace wrpn {
namespace nn {
namespace {

std::atomic<BatchNormKernels> g_kernels{BatchNormKernels::kWrpn};

kernels::ChannelPlanes planes_of(const torch::Tensor& x) {
  kernels::ChannelPlanes c;
  c.planes = x.size(0);
  c.plane_size = x.size(2) * x.size(3);
  c.plane_stride = x.size(1) * c.plane_size;
  return c;
}

float value_or(const torch::Tensor& t, int64_t at, float otherwise) {
  return t.defined() ? t.data_ptr<float>()[at] : otherwise;
}

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct BatchNormTraining : public torch::autograd::Function<BatchNormTraining> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, torch::Tensor running_mean, torch::Tensor running_var,
                               double momentum, double eps) {
    auto [out, mean, invstd] = batch_norm_train_forward(x, weight, bias, running_mean, running_var, momentum, eps);
    ctx->save_for_backward({x, weight, mean, invstd});
    return out;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    auto [gx, gw, gb] = batch_norm_train_backward(grads[0].contiguous(), saved[0], saved[1], saved[2], saved[3],
                                                  {ctx->needs_input_grad(0), ctx->needs_input_grad(1),
                                                   ctx->needs_input_grad(2)});
    return {gx, gw, gb, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

BatchNormKernels parse_batch_norm_kernels(const std::string& text) {
  if (text == "wrpn") return BatchNormKernels::kWrpn;
  if (text == "libtorch") return BatchNormKernels::kLibTorch;
  throw std::invalid_argument("batch norm kernels must be wrpn or libtorch, got '" + text + "'");
}

std::string to_string(BatchNormKernels k) { return k == BatchNormKernels::kWrpn ? "wrpn" : "libtorch"; }

BatchNormKernels batch_norm_kernels() { return g_kernels.load(); }
void set_batch_norm_kernels(BatchNormKernels k) { g_kernels.store(k); }

BatchNormKernelsGuard::BatchNormKernelsGuard(BatchNormKernels k) : previous_(batch_norm_kernels()) {
  set_batch_norm_kernels(k);
}
BatchNormKernelsGuard::~BatchNormKernelsGuard() { set_batch_norm_kernels(previous_); }

bool own_batch_norm_takes(const torch::Tensor& x) {
  return batch_norm_kernels() == BatchNormKernels::kWrpn && x.defined() && x.device().is_cpu() &&
         x.scalar_type() == torch::kFloat32 && x.dim() == 4 && x.is_contiguous() && x.size(1) > 0 &&
         x.numel() / x.size(1) > 1;
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> batch_norm_train_forward(
    const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, const torch::Tensor& running_mean,
    const torch::Tensor& running_var, double momentum, double eps) {
  RECORD_FUNCTION("wrpn::batch_norm_train_forward", std::vector<c10::IValue>());  // named in bench --profile
  TORCH_CHECK(own_batch_norm_takes(x), "batch_norm_train_forward: needs a contiguous 4-D CPU float input, got ",
              x.sizes());
  const int64_t channels = x.size(1);
  const kernels::ChannelPlanes planes = planes_of(x);
  const torch::Tensor w = weight.defined() ? weight.contiguous() : weight;
  const torch::Tensor b = bias.defined() ? bias.contiguous() : bias;
  torch::Tensor out = torch::empty_like(x);
  torch::Tensor mean = torch::empty({channels}, x.options());
  torch::Tensor invstd = torch::empty({channels}, x.options());
  const float* xp = x.data_ptr<float>();
  float* op = out.data_ptr<float>();
  float* mp = mean.data_ptr<float>();
  float* ip = invstd.data_ptr<float>();
  float* rm = running_mean.defined() ? running_mean.data_ptr<float>() : nullptr;
  float* rv = running_var.defined() ? running_var.data_ptr<float>() : nullptr;
  const double count = double(planes.count());
  at::parallel_for(0, channels, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const int64_t offset = c * planes.plane_size;
      const kernels::Moments m = kernels::channel_moments(xp + offset, planes);
      const double inv = 1.0 / std::sqrt(m.variance + eps);
      mp[c] = float(m.mean);
      ip[c] = float(inv);
      if (rm) rm[c] = float(momentum * m.mean + (1 - momentum) * double(rm[c]));
      if (rv) rv[c] = float(momentum * m.variance * count / (count - 1) + (1 - momentum) * double(rv[c]));
      const double a = double(value_or(w, c, 1.0f)) * inv;
      const double shift = double(value_or(b, c, 0.0f)) - m.mean * a;
      kernels::scale_shift_channel(xp + offset, op + offset, planes, float(a), float(shift));
    }
  });
  return {out, mean, invstd};
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> batch_norm_train_backward(const torch::Tensor& g,
                                                                                  const torch::Tensor& x,
                                                                                  const torch::Tensor& weight,
                                                                                  const torch::Tensor& mean,
                                                                                  const torch::Tensor& invstd,
                                                                                  std::array<bool, 3> needed) {
  RECORD_FUNCTION("wrpn::batch_norm_train_backward", std::vector<c10::IValue>());
  TORCH_CHECK(own_batch_norm_takes(x) && g.is_contiguous() && g.sizes() == x.sizes(),
              "batch_norm_train_backward: needs contiguous 4-D CPU float tensors of one shape, got ", g.sizes(),
              " and ", x.sizes());
  const int64_t channels = x.size(1);
  const kernels::ChannelPlanes planes = planes_of(x);
  const torch::Tensor w = weight.defined() ? weight.contiguous() : weight;
  torch::Tensor gx = needed[0] ? torch::empty_like(x) : torch::Tensor();
  torch::Tensor gw = needed[1] && weight.defined() ? torch::empty({channels}, x.options()) : torch::Tensor();
  torch::Tensor gb = needed[2] && weight.defined() ? torch::empty({channels}, x.options()) : torch::Tensor();
  const float* gp = g.data_ptr<float>();
  const float* xp = x.data_ptr<float>();
  const float* mp = mean.data_ptr<float>();
  const float* ip = invstd.data_ptr<float>();
  const double count = double(planes.count());
  at::parallel_for(0, channels, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const int64_t offset = c * planes.plane_size;
      const kernels::GradientSums s = kernels::channel_gradient_sums(gp + offset, xp + offset, planes, mp[c]);
      const double inv = double(ip[c]);
      if (gw.defined()) gw.data_ptr<float>()[c] = float(s.sum_g_xc * inv);
      if (gb.defined()) gb.data_ptr<float>()[c] = float(s.sum_g);
      if (!gx.defined()) continue;
      // dx = (g - sum_g / M - (x - mean) * inv^2 * sum_g_xc / M) * inv * w
      const double scale = inv * double(value_or(w, c, 1.0f));
      const double k = s.sum_g_xc * inv * inv / count;
      kernels::input_gradient_channel(gp + offset, xp + offset, gx.data_ptr<float>() + offset, planes, mp[c],
                                      float(scale), float(-k * scale), float(-s.sum_g / count * scale));
    }
  });
  return {gx, gw, gb};
}

torch::Tensor batch_norm_training(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                  const torch::Tensor& running_mean, const torch::Tensor& running_var, double momentum,
                                  double eps) {
  return BatchNormTraining::apply(x, weight, bias, running_mean, running_var, momentum, eps);
}

std::string batch_norm_status(BatchNormKernels k) {
  return k == BatchNormKernels::kWrpn ? "batch norm on wrpn's kernels" : "LibTorch's batch norm";
}

}  // namespace nn
}  // namespace wrpn
