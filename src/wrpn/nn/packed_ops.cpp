#include "wrpn/nn/packed_ops.h"

#include "wrpn/quant/bits.h"
#include "wrpn/quant/packed_saving.h"

namespace wrpn {
namespace nn {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;
using quant::SavedActivation;

bool saves_codes(const torch::Tensor& x, const torch::Tensor& weight, int input_bits) {
  return quant::packed_saving_enabled() && !quant::is_full_precision(input_bits) &&
         torch::GradMode::is_enabled() &&
         (x.requires_grad() || (weight.defined() && weight.requires_grad()));
}

// Function::apply cannot take an undefined tensor: an absent bias travels as an empty one.
torch::Tensor bias_or_empty(const torch::Tensor& bias, const torch::Tensor& like) {
  return bias.defined() ? bias : torch::empty({0}, like.options());
}

void stash(AutogradContext* ctx, const SavedActivation& s) {
  ctx->saved_data["x_data"] = s.data;
  ctx->saved_data["x_sizes"] = s.sizes;
  ctx->saved_data["x_bits"] = int64_t(s.bits);
  ctx->saved_data["x_bit_packed"] = s.bit_packed;
}

torch::Tensor unstash(AutogradContext* ctx) {
  SavedActivation s;
  s.data = ctx->saved_data["x_data"].toTensor();
  s.sizes = ctx->saved_data["x_sizes"].toIntVector();
  s.bits = int(ctx->saved_data["x_bits"].toInt());
  s.bit_packed = ctx->saved_data["x_bit_packed"].toBool();
  return s.restore();
}

struct Conv2dSavingCodes : public torch::autograd::Function<Conv2dSavingCodes> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               std::vector<int64_t> stride, std::vector<int64_t> padding,
                               int64_t groups, int64_t input_bits) {
    stash(ctx, SavedActivation::save(x, int(input_bits)));
    ctx->save_for_backward({weight});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["groups"] = groups;
    const bool has_bias = bias.numel() > 0;
    ctx->saved_data["has_bias"] = has_bias;
    return torch::conv2d(x, weight, has_bias ? bias : torch::Tensor(), stride, padding,
                         /*dilation=*/1, groups);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const torch::Tensor x = unstash(ctx);
    const torch::Tensor weight = ctx->get_saved_variables()[0];
    const bool has_bias = ctx->saved_data["has_bias"].toBool();
    const auto stride = ctx->saved_data["stride"].toIntVector();
    const auto padding = ctx->saved_data["padding"].toIntVector();
    const std::vector<int64_t> bias_sizes = {weight.size(0)};
    auto [gx, gw, gb] = at::convolution_backward(
        grads[0], x, weight,
        has_bias ? at::OptionalIntArrayRef(bias_sizes) : at::OptionalIntArrayRef(c10::nullopt),
        stride, padding, /*dilation=*/{1, 1}, /*transposed=*/false, /*output_padding=*/{0, 0},
        ctx->saved_data["groups"].toInt(),
        {ctx->needs_input_grad(0), ctx->needs_input_grad(1), has_bias && ctx->needs_input_grad(2)});
    return {gx, gw, gb, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// Mirrors LibTorch's addmm backward for linear(x, W, b) = addmm(b, x, W^T) exactly.
struct LinearSavingCodes : public torch::autograd::Function<LinearSavingCodes> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               int64_t input_bits) {
    stash(ctx, SavedActivation::save(x, int(input_bits)));
    ctx->save_for_backward({weight});
    const bool has_bias = bias.numel() > 0;
    ctx->saved_data["has_bias"] = has_bias;
    return torch::linear(x, weight, has_bias ? bias : torch::Tensor());
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const torch::Tensor& g = grads[0];
    const torch::Tensor weight = ctx->get_saved_variables()[0];
    torch::Tensor gx, gw, gb;
    if (ctx->needs_input_grad(0)) gx = g.mm(weight);
    if (ctx->needs_input_grad(1)) gw = g.t().mm(unstash(ctx));
    if (ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2)) gb = g.sum(0);
    return {gx, gw, gb, torch::Tensor()};
  }
};

struct MaxPool2dSavingCodes : public torch::autograd::Function<MaxPool2dSavingCodes> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, int64_t kernel,
                               int64_t stride, int64_t padding, int64_t input_bits) {
    stash(ctx, SavedActivation::save(x, int(input_bits)));
    ctx->saved_data["kernel"] = kernel;
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    return std::get<0>(
        at::max_pool2d_with_indices(x, {kernel, kernel}, {stride, stride}, {padding, padding}));
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const torch::Tensor x = unstash(ctx);
    const int64_t k = ctx->saved_data["kernel"].toInt();
    const int64_t s = ctx->saved_data["stride"].toInt();
    const int64_t p = ctx->saved_data["padding"].toInt();
    const torch::Tensor indices = std::get<1>(at::max_pool2d_with_indices(x, {k, k}, {s, s}, {p, p}));
    return {at::max_pool2d_with_indices_backward(grads[0], x, {k, k}, {s, s}, {p, p}, {1, 1},
                                                 /*ceil_mode=*/false, indices),
            torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor conv2d_saving_codes(const torch::Tensor& x, const torch::Tensor& weight,
                                  const torch::Tensor& bias, torch::IntArrayRef stride,
                                  torch::IntArrayRef padding, int64_t groups, int input_bits) {
  if (!saves_codes(x, weight, input_bits)) {
    return torch::conv2d(x, weight, bias, stride, padding, /*dilation=*/1, groups);
  }
  return Conv2dSavingCodes::apply(x, weight, bias_or_empty(bias, weight), stride.vec(), padding.vec(), groups,
                                  int64_t(input_bits));
}

torch::Tensor linear_saving_codes(const torch::Tensor& x, const torch::Tensor& weight,
                                  const torch::Tensor& bias, int input_bits) {
  if (!saves_codes(x, weight, input_bits) || x.dim() != 2) return torch::linear(x, weight, bias);
  return LinearSavingCodes::apply(x, weight, bias_or_empty(bias, weight), int64_t(input_bits));
}

torch::Tensor max_pool2d_saving_codes(const torch::Tensor& x, int64_t kernel, int input_bits,
                                      int64_t stride, int64_t padding) {
  if (stride == 0) stride = kernel;
  if (!saves_codes(x, torch::Tensor(), input_bits)) {
    return torch::max_pool2d(x, kernel, stride, padding);
  }
  return MaxPool2dSavingCodes::apply(x, kernel, stride, padding, int64_t(input_bits));
}

}  // namespace nn
}  // namespace wrpn
