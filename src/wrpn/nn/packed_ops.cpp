#include "wrpn/nn/packed_ops.h"

#include <ATen/Parallel.h>

#include "wrpn/kernels/code_pack.h"
#include "wrpn/kernels/pool_offsets.h"
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

// Max-pool's backward needs only where each maximum was: the forward keeps the argmax as its
// offset inside the window (2 bits for 2x2, 4 for 3x3) instead of the input and int64 indices,
// and the backward rebuilds LibTorch's indices from it (no recomputation of the pooling).
struct MaxPool2dSavingOffsets : public torch::autograd::Function<MaxPool2dSavingOffsets> {
  static kernels::PoolGeometry geometry(const std::vector<int64_t>& in_sizes,
                                        const torch::IntArrayRef out_sizes, int64_t kernel,
                                        int64_t stride, int64_t padding) {
    kernels::PoolGeometry g;
    g.in_w = in_sizes[3];
    g.out_h = out_sizes[2];
    g.out_w = out_sizes[3];
    g.kernel = kernel;
    g.stride = stride;
    g.padding = padding;
    return g;
  }

  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, int64_t kernel,
                               int64_t stride, int64_t padding) {
    auto [out, indices] =
        at::max_pool2d_with_indices(x, {kernel, kernel}, {stride, stride}, {padding, padding});
    const auto g = geometry(x.sizes().vec(), out.sizes(), kernel, stride, padding);
    const int64_t planes = out.size(0) * out.size(1), per_plane = g.out_h * g.out_w;
    const int storage_bits = kernels::code_storage_bits(kernels::window_offset_bits(kernel));
    torch::Tensor offsets = torch::empty({out.numel()}, torch::kUInt8);
    const int64_t* ip = indices.data_ptr<int64_t>();
    uint8_t* op = offsets.data_ptr<uint8_t>();
    at::parallel_for(0, planes, 64, [&](int64_t begin, int64_t end) {
      kernels::window_offsets_from_indices(ip + begin * per_plane, end - begin, g,
                                           op + begin * per_plane);
    });
    torch::Tensor packed = offsets;
    if (storage_bits < 8) {
      packed = torch::empty({int64_t(kernels::packed_code_bytes(size_t(out.numel()), storage_bits))},
                            torch::kUInt8);
      kernels::interleave_codes(op, size_t(out.numel()), storage_bits, packed.data_ptr<uint8_t>());
    }
    ctx->saved_data["offsets"] = packed;
    ctx->saved_data["storage_bits"] = int64_t(storage_bits);
    ctx->saved_data["in_sizes"] = x.sizes().vec();
    ctx->saved_data["kernel"] = kernel;
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    return out;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const torch::Tensor& grad = grads[0];
    const auto in_sizes = ctx->saved_data["in_sizes"].toIntVector();
    const int64_t k = ctx->saved_data["kernel"].toInt();
    const int64_t s = ctx->saved_data["stride"].toInt();
    const int64_t p = ctx->saved_data["padding"].toInt();
    const int storage_bits = int(ctx->saved_data["storage_bits"].toInt());
    const auto g = geometry(in_sizes, grad.sizes(), k, s, p);
    const int64_t count = grad.numel(), per_plane = g.out_h * g.out_w;
    torch::Tensor offsets = ctx->saved_data["offsets"].toTensor();
    if (storage_bits < 8) {
      torch::Tensor spread = torch::empty({count}, torch::kUInt8);
      kernels::spread_codes(offsets.data_ptr<uint8_t>(), size_t(count), storage_bits,
                            spread.data_ptr<uint8_t>());
      offsets = spread;
    }
    torch::Tensor indices = torch::empty(grad.sizes(), torch::kInt64);
    const uint8_t* op = offsets.data_ptr<uint8_t>();
    int64_t* ip = indices.data_ptr<int64_t>();
    at::parallel_for(0, count / per_plane, 64, [&](int64_t begin, int64_t end) {
      kernels::indices_from_window_offsets(op + begin * per_plane, end - begin, g,
                                           ip + begin * per_plane);
    });
    // The backward reads only the shape of its input argument, never its values.
    const torch::Tensor shape_of_x = torch::empty(in_sizes, grad.options());
    return {at::max_pool2d_with_indices_backward(grad.contiguous(), shape_of_x, {k, k}, {s, s},
                                                 {p, p}, {1, 1}, /*ceil_mode=*/false, indices),
            torch::Tensor(), torch::Tensor(), torch::Tensor()};
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
  if (!saves_codes(x, torch::Tensor(), input_bits) || !x.device().is_cpu() || x.dim() != 4 ||
      !x.is_contiguous() || kernel > x.size(3)) {
    return torch::max_pool2d(x, kernel, stride, padding);
  }
  return MaxPool2dSavingOffsets::apply(x, kernel, stride, padding);
}

}  // namespace nn
}  // namespace wrpn
