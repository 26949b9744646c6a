#include "wrpn/nn/packed_ops.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <memory>
#include <optional>

#include "wrpn/kernels/code_pack.h"
#include "wrpn/kernels/int8_conv_forward.h"
#include "wrpn/kernels/pool_offsets.h"
#include "wrpn/nn/batch_norm_training.h"
#include "wrpn/nn/matrix_units.h"
#include "wrpn/quant/bits.h"
#include "wrpn/quant/packed_saving.h"

namespace wrpn {
namespace nn {
namespace {

using quant::SavedActivation;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

bool needs_grad(const torch::Tensor& x, const torch::Tensor& weight) {
  return torch::GradMode::is_enabled() && (x.requires_grad() || (weight.defined() && weight.requires_grad()));
}

bool saves_codes(const torch::Tensor& x, const torch::Tensor& weight, int input_bits) {
  return quant::packed_saving_enabled() && !quant::is_full_precision(input_bits) && needs_grad(x, weight);
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

SavedActivation unstash_saved(AutogradContext* ctx) {
  SavedActivation s;
  s.data = ctx->saved_data["x_data"].toTensor();
  s.sizes = ctx->saved_data["x_sizes"].toIntVector();
  s.bits = int(ctx->saved_data["x_bits"].toInt());
  s.bit_packed = ctx->saved_data["x_bit_packed"].toBool();
  return s;
}

torch::Tensor unstash(AutogradContext* ctx) { return unstash_saved(ctx).restore(); }

// The forward as the exact integer GEMM of u8 activation codes by s8 weight codes
// (kernels/int8_conv_forward.h); undefined when that cannot run (no codes, a shape or device
// it does not take, no exact oneDNN implementation): the caller then runs the float op.
torch::Tensor int8_conv_forward(const torch::Tensor& x_codes, const torch::Tensor& w_codes,
                                const torch::Tensor& w_scales, const torch::Tensor& bias, torch::IntArrayRef stride,
                                torch::IntArrayRef padding, int64_t groups, int input_bits) {
  RECORD_FUNCTION("wrpn::int8_conv_forward", std::vector<c10::IValue>());  // named in bench --profile
  if (!x_codes.defined() || w_codes.numel() == 0 || groups != 1 || !x_codes.device().is_cpu() ||
      !w_codes.device().is_cpu() || x_codes.dim() != 4 || stride[0] != stride[1] || padding[0] != padding[1]) {
    return torch::Tensor();
  }
  kernels::ConvShape shape;
  shape.batch = int(x_codes.size(0));
  shape.in_c = int(x_codes.size(1));
  shape.in_h = int(x_codes.size(2));
  shape.in_w = int(x_codes.size(3));
  shape.out_c = int(w_codes.size(0));
  shape.kernel_h = int(w_codes.size(2));
  shape.kernel_w = int(w_codes.size(3));
  shape.stride = int(stride[0]);
  shape.pad = int(padding[0]);
  const torch::Tensor scales =
      (w_scales.to(torch::kFloat32) * (1.0 / double(quant::activation_levels(input_bits)))).contiguous();
  torch::Tensor y =
      torch::empty({shape.batch, shape.out_c, shape.out_h(), shape.out_w()}, x_codes.options().dtype(torch::kFloat32));
  const torch::Tensor xc = x_codes.contiguous(), wc = w_codes.contiguous();
  if (!kernels::int8_conv_forward(shape, xc.data_ptr<uint8_t>(), wc.data_ptr<int8_t>(), scales.data_ptr<float>(),
                                  int(scales.numel()), y.data_ptr<float>(), at::get_num_threads())) {
    return torch::Tensor();
  }
  if (bias.defined() && bias.numel() > 0) y.add_(bias.view({1, -1, 1, 1}));
  return y;
}

// linear(x, W, b) as the 1x1 integer convolution of N x C x 1 x 1 codes.
torch::Tensor int8_linear_forward(const torch::Tensor& x_codes, const torch::Tensor& w_codes,
                                  const torch::Tensor& w_scales, const torch::Tensor& bias, int input_bits) {
  if (!x_codes.defined() || x_codes.dim() != 2) return torch::Tensor();
  const torch::Tensor y = int8_conv_forward(x_codes.view({x_codes.size(0), x_codes.size(1), 1, 1}),
                                            w_codes.view({w_codes.size(0), w_codes.size(1), 1, 1}), w_scales, bias,
                                            {1, 1}, {0, 0}, 1, input_bits);
  return y.defined() ? y.view({x_codes.size(0), w_codes.size(0)}) : y;
}

bool int8_forward_wanted(const quant::WeightCodes* codes, const torch::Tensor& x, int input_bits) {
  return codes != nullptr && matrix_units().int8_forward && !quant::is_full_precision(input_bits) &&
         x.device().is_cpu() && kernels::int8_forward_available();
}

// conv2d's forward: integer GEMM of the codes where it runs, LibTorch's float conv otherwise.
torch::Tensor conv_forward(const torch::Tensor& x, const torch::Tensor& x_codes, const torch::Tensor& weight,
                           const torch::Tensor& w_codes, const torch::Tensor& w_scales, const torch::Tensor& bias,
                           torch::IntArrayRef stride, torch::IntArrayRef padding, int64_t groups, int input_bits) {
  torch::Tensor y = int8_conv_forward(x_codes, w_codes, w_scales, bias, stride, padding, groups, input_bits);
  if (y.defined()) return y;
  return torch::conv2d(x, weight, bias.numel() > 0 ? bias : torch::Tensor(), stride, padding,
                       /*dilation=*/1, groups);
}

// The conv's two gradients from bf16 operands (LibTorch's oneDNN: AMX-BF16 where present).
// Activation and weight codes are small integers, exact in bf16; the scales are applied to
// the results in float. Only the incoming gradient (and each result) is rounded to bf16.
std::tuple<torch::Tensor, torch::Tensor> conv_backward_bf16(const torch::Tensor& grad, const SavedActivation& saved,
                                                            const torch::Tensor& weight, const torch::Tensor& w_codes,
                                                            const torch::Tensor& w_scales, std::vector<int64_t> stride,
                                                            std::vector<int64_t> padding, int64_t groups, bool need_x,
                                                            bool need_w) {
  const auto bf16 = torch::kBFloat16;
  const torch::Tensor x_codes = saved.byte_codes();
  const bool x_as_codes = x_codes.defined();
  const torch::Tensor xb = x_as_codes ? x_codes.to(bf16) : saved.restore().to(bf16);
  const bool w_as_codes = w_codes.numel() > 0 && w_scales.numel() == 1;
  const torch::Tensor wb = w_as_codes ? w_codes.to(bf16) : weight.to(bf16);
  auto [gx, gw, unused] = at::convolution_backward(grad.to(bf16), xb, wb, c10::nullopt, stride, padding,
                                                   /*dilation=*/{1, 1}, /*transposed=*/false,
                                                   /*output_padding=*/{0, 0}, groups, {need_x, need_w, false});
  if (gx.defined()) {
    gx = gx.to(torch::kFloat32);
    if (w_as_codes) gx.mul_(w_scales.item<float>());
  }
  if (gw.defined()) {
    gw = gw.to(torch::kFloat32);
    if (x_as_codes) gw.mul_(1.0 / double(quant::activation_levels(saved.bits)));
  }
  return {gx, gw};
}

// How to recompute an int8-forward conv's output: its input codes (shared with the conv's
// own saved state, not copied), weight codes and geometry.
struct ConvRecipe {
  SavedActivation x;
  torch::Tensor w_codes, w_scales;
  std::vector<int64_t> stride, padding;
  int input_bits = 32;

  torch::Tensor run() const {
    const torch::Tensor y =
        int8_conv_forward(x.byte_codes(), w_codes, w_scales, torch::Tensor(), stride, padding, 1, input_bits);
    TORCH_CHECK(y.defined(), "recomputing a conv output: the int8 forward that made it no longer runs");
    return y;
  }
};

// The latest int8-forward conv output of this thread and its recipe (as RememberedCodes in
// quant/packed_saving.cpp: a weak pointer and the version counter identify the tensor).
struct RememberedConvOutput {
  c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl> tensor;
  int64_t version = 0;
  std::shared_ptr<const ConvRecipe> recipe;
};
thread_local std::optional<RememberedConvOutput> t_conv_output;

std::shared_ptr<const ConvRecipe> remembered_recipe(const torch::Tensor& x) {
  if (!t_conv_output) return nullptr;
  const auto held = t_conv_output->tensor.lock();
  if (!held || held.get() != x.unsafeGetTensorImpl() || x._version() != t_conv_output->version) return nullptr;
  return t_conv_output->recipe;
}

void remember_conv_output(const torch::Tensor& y, std::shared_ptr<const ConvRecipe> recipe) {
  t_conv_output =
      RememberedConvOutput{c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>(y.getIntrusivePtr()),
                           y._version(), std::move(recipe)};
}

struct Conv2dSavingCodes : public torch::autograd::Function<Conv2dSavingCodes> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, const torch::Tensor& w_codes, const torch::Tensor& w_scales,
                               std::vector<int64_t> stride, std::vector<int64_t> padding, int64_t groups,
                               int64_t input_bits) {
    const SavedActivation saved = SavedActivation::save(x, int(input_bits));
    stash(ctx, saved);
    ctx->save_for_backward({weight, w_codes, w_scales});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["groups"] = groups;
    ctx->saved_data["has_bias"] = bias.numel() > 0;
    torch::Tensor x_codes;
    if (w_codes.numel() > 0) {
      x_codes = saved.bits == int(input_bits) ? saved.byte_codes() : quant::byte_codes(x, int(input_bits));
    }
    torch::Tensor y = int8_conv_forward(x_codes, w_codes, w_scales, bias, stride, padding, groups, int(input_bits));
    if (!y.defined()) {
      return torch::conv2d(x, weight, bias.numel() > 0 ? bias : torch::Tensor(), stride, padding, 1, groups);
    }
    if (matrix_units().recompute_conv_outputs && bias.numel() == 0 && saved.bits == int(input_bits)) {
      auto recipe = std::make_shared<ConvRecipe>();
      recipe->x = saved;
      recipe->w_codes = w_codes;
      recipe->w_scales = w_scales;
      recipe->stride = stride;
      recipe->padding = padding;
      recipe->input_bits = int(input_bits);
      remember_conv_output(y, std::move(recipe));
    }
    return y;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved_vars = ctx->get_saved_variables();
    const torch::Tensor& weight = saved_vars[0];
    const bool has_bias = ctx->saved_data["has_bias"].toBool();
    const auto stride = ctx->saved_data["stride"].toIntVector();
    const auto padding = ctx->saved_data["padding"].toIntVector();
    const int64_t groups = ctx->saved_data["groups"].toInt();
    const std::vector<int64_t> bias_sizes = {weight.size(0)};
    const tensor_list none = {torch::Tensor(), torch::Tensor(), torch::Tensor(),
                              torch::Tensor(), torch::Tensor(), torch::Tensor()};
    if (matrix_units().backward == BackwardPrecision::kBf16 && grads[0].device().is_cpu()) {
      auto [gx, gw] = conv_backward_bf16(grads[0], unstash_saved(ctx), weight, saved_vars[1], saved_vars[2], stride,
                                         padding, groups, ctx->needs_input_grad(0), ctx->needs_input_grad(1));
      torch::Tensor gb;
      if (has_bias && ctx->needs_input_grad(2)) gb = grads[0].sum({0, 2, 3});
      tensor_list out = {gx, gw, gb};
      out.insert(out.end(), none.begin(), none.end());
      return out;
    }
    const torch::Tensor x = unstash(ctx);
    auto [gx, gw, gb] = at::convolution_backward(
        grads[0], x, weight, has_bias ? at::OptionalIntArrayRef(bias_sizes) : at::OptionalIntArrayRef(c10::nullopt),
        stride, padding, /*dilation=*/{1, 1}, /*transposed=*/false, /*output_padding=*/{0, 0}, groups,
        {ctx->needs_input_grad(0), ctx->needs_input_grad(1), has_bias && ctx->needs_input_grad(2)});
    tensor_list out = {gx, gw, gb};
    out.insert(out.end(), none.begin(), none.end());
    return out;
  }
};

// Batch norm in training whose input is an int8-forward conv output it does not keep.
struct BatchNormRecomputingInput : public torch::autograd::Function<BatchNormRecomputingInput> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, torch::Tensor running_mean, torch::Tensor running_var,
                               double momentum, double eps, std::shared_ptr<const ConvRecipe> recipe) {
    const bool own = own_batch_norm_takes(x);
    auto [out, save_mean, save_invstd] =
        own ? batch_norm_train_forward(x, weight, bias, running_mean, running_var, momentum, eps)
            : at::native_batch_norm(x, weight, bias, running_mean, running_var, /*training=*/true, momentum, eps);
    ctx->saved_data["own"] = own;
    ctx->save_for_backward({weight, save_mean, save_invstd, recipe->w_codes, recipe->w_scales});
    ctx->saved_data["eps"] = eps;
    stash(ctx, recipe->x);  // the conv input's packed codes: shared, not copied
    ctx->saved_data["stride"] = recipe->stride;
    ctx->saved_data["padding"] = recipe->padding;
    ctx->saved_data["input_bits"] = int64_t(recipe->input_bits);
    return out;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    ConvRecipe recipe;
    recipe.x = unstash_saved(ctx);
    recipe.w_codes = saved[3];
    recipe.w_scales = saved[4];
    recipe.stride = ctx->saved_data["stride"].toIntVector();
    recipe.padding = ctx->saved_data["padding"].toIntVector();
    recipe.input_bits = int(ctx->saved_data["input_bits"].toInt());
    const torch::Tensor x = recipe.run();
    const std::array<bool, 3> needed = {ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2)};
    auto [gx, gw, gb] = ctx->saved_data["own"].toBool()
                            ? batch_norm_train_backward(grads[0].contiguous(), x, saved[0], saved[1], saved[2], needed)
                            : at::native_batch_norm_backward(grads[0].contiguous(), x, saved[0], torch::Tensor(),
                                                             torch::Tensor(), saved[1], saved[2], /*train=*/true,
                                                             ctx->saved_data["eps"].toDouble(), needed);
    return {gx, gw, gb, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// Mirrors LibTorch's addmm backward for linear(x, W, b) = addmm(b, x, W^T) exactly.
// The forward runs as a 1x1 integer convolution of the codes where it can.
struct LinearSavingCodes : public torch::autograd::Function<LinearSavingCodes> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, const torch::Tensor& w_codes, const torch::Tensor& w_scales,
                               int64_t input_bits) {
    const SavedActivation saved = SavedActivation::save(x, int(input_bits));
    stash(ctx, saved);
    ctx->save_for_backward({weight});
    const bool has_bias = bias.numel() > 0;
    ctx->saved_data["has_bias"] = has_bias;
    if (w_codes.numel() > 0) {
      const torch::Tensor x_codes =
          saved.bits == int(input_bits) ? saved.byte_codes() : quant::byte_codes(x, int(input_bits));
      const torch::Tensor y = int8_linear_forward(x_codes, w_codes, w_scales, bias, int(input_bits));
      if (y.defined()) return y;
    }
    return torch::linear(x, weight, has_bias ? bias : torch::Tensor());
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const torch::Tensor& g = grads[0];
    const torch::Tensor weight = ctx->get_saved_variables()[0];
    torch::Tensor gx, gw, gb;
    if (ctx->needs_input_grad(0)) gx = g.mm(weight);
    if (ctx->needs_input_grad(1)) gw = g.t().mm(unstash(ctx));
    if (ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2)) gb = g.sum(0);
    return {gx, gw, gb, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// Max-pool's backward needs only where each maximum was: the forward keeps the argmax as its
// offset inside the window (2 bits for 2x2, 4 for 3x3) instead of the input and int64 indices,
// and the backward rebuilds LibTorch's indices from it (no recomputation of the pooling).
struct MaxPool2dSavingOffsets : public torch::autograd::Function<MaxPool2dSavingOffsets> {
  static kernels::PoolGeometry geometry(const std::vector<int64_t>& in_sizes, const torch::IntArrayRef out_sizes,
                                        int64_t kernel, int64_t stride, int64_t padding) {
    kernels::PoolGeometry g;
    g.in_w = in_sizes[3];
    g.out_h = out_sizes[2];
    g.out_w = out_sizes[3];
    g.kernel = kernel;
    g.stride = stride;
    g.padding = padding;
    return g;
  }

  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, int64_t kernel, int64_t stride,
                               int64_t padding) {
    RECORD_FUNCTION("wrpn::max_pool_with_window_offsets", std::vector<c10::IValue>());
    const int64_t in_h = x.size(2), in_w = x.size(3);
    const std::vector<int64_t> out_sizes = {x.size(0), x.size(1), (in_h + 2 * padding - kernel) / stride + 1,
                                            (in_w + 2 * padding - kernel) / stride + 1};
    TORCH_CHECK(kernel > 0 && stride > 0 && padding >= 0 && 2 * padding <= kernel && out_sizes[2] > 0,
                "max_pool2d: kernel ", kernel, ", stride ", stride, ", padding ", padding, " do not fit a ", in_h,
                "x", in_w, " input");
    torch::Tensor out = torch::empty(out_sizes, x.options());
    const auto g = geometry(x.sizes().vec(), out.sizes(), kernel, stride, padding);
    const int64_t planes = out.size(0) * out.size(1), per_plane = g.out_h * g.out_w;
    const int storage_bits = kernels::code_storage_bits(kernels::window_offset_bits(kernel));
    torch::Tensor offsets = torch::empty({out.numel()}, torch::kUInt8);
    const float* xp = x.data_ptr<float>();  // contiguous: max_pool2d_saving_codes checked
    float* outp = out.data_ptr<float>();
    uint8_t* op = offsets.data_ptr<uint8_t>();
    // One pass: the maxima and their offsets (LibTorch's pool writes int64 indices, 4 ns per input).
    at::parallel_for(0, planes, 16, [&](int64_t begin, int64_t end) {
      kernels::max_pool_with_window_offsets(xp + begin * in_h * in_w, end - begin, in_h, g, outp + begin * per_plane,
                                            op + begin * per_plane);
    });
    torch::Tensor packed = offsets;
    if (storage_bits < 8) {
      packed = torch::empty({int64_t(kernels::packed_code_bytes(size_t(out.numel()), storage_bits))}, torch::kUInt8);
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
      kernels::spread_codes(offsets.data_ptr<uint8_t>(), size_t(count), storage_bits, spread.data_ptr<uint8_t>());
      offsets = spread;
    }
    torch::Tensor indices = torch::empty(grad.sizes(), torch::kInt64);
    const uint8_t* op = offsets.data_ptr<uint8_t>();
    int64_t* ip = indices.data_ptr<int64_t>();
    at::parallel_for(0, count / per_plane, 64, [&](int64_t begin, int64_t end) {
      kernels::indices_from_window_offsets(op + begin * per_plane, end - begin, g, ip + begin * per_plane);
    });
    // The backward reads only the shape of its input argument, never its values.
    const torch::Tensor shape_of_x = torch::empty(in_sizes, grad.options());
    return {at::max_pool2d_with_indices_backward(grad.contiguous(), shape_of_x, {k, k}, {s, s}, {p, p}, {1, 1},
                                                 /*ceil_mode=*/false, indices),
            torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor conv2d_saving_codes(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                  torch::IntArrayRef stride, torch::IntArrayRef padding, int64_t groups, int input_bits,
                                  const quant::WeightCodes* codes) {
  const bool int8 = int8_forward_wanted(codes, x, input_bits);
  const torch::Tensor w_codes = int8 ? codes->codes : torch::empty({0}, torch::kInt8);
  const torch::Tensor w_scales = int8 ? codes->scales : torch::empty({0}, torch::kFloat32);
  if (needs_grad(x, weight) && !quant::is_full_precision(input_bits) && (quant::packed_saving_enabled() || int8)) {
    return Conv2dSavingCodes::apply(x, weight, bias_or_empty(bias, weight), w_codes, w_scales, stride.vec(),
                                    padding.vec(), groups, int64_t(input_bits));
  }
  if (int8 && !needs_grad(x, weight)) {
    return conv_forward(x, quant::byte_codes(x, input_bits), weight, w_codes, w_scales, bias_or_empty(bias, weight),
                        stride, padding, groups, input_bits);
  }
  return torch::conv2d(x, weight, bias, stride, padding, /*dilation=*/1, groups);
}

torch::Tensor linear_saving_codes(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                  int input_bits, const quant::WeightCodes* codes) {
  const bool int8 = int8_forward_wanted(codes, x, input_bits) && x.dim() == 2;
  const torch::Tensor w_codes = int8 ? codes->codes : torch::empty({0}, torch::kInt8);
  const torch::Tensor w_scales = int8 ? codes->scales : torch::empty({0}, torch::kFloat32);
  if (needs_grad(x, weight) && !quant::is_full_precision(input_bits) && x.dim() == 2 &&
      (quant::packed_saving_enabled() || int8)) {
    return LinearSavingCodes::apply(x, weight, bias_or_empty(bias, weight), w_codes, w_scales, int64_t(input_bits));
  }
  if (int8 && !needs_grad(x, weight)) {
    const torch::Tensor y = int8_linear_forward(quant::byte_codes(x, input_bits), w_codes, w_scales,
                                                bias_or_empty(bias, weight), input_bits);
    if (y.defined()) return y;
  }
  return torch::linear(x, weight, bias);
}

bool recomputable_conv_output(const torch::Tensor& x) {
  return torch::GradMode::is_enabled() && matrix_units().recompute_conv_outputs && remembered_recipe(x) != nullptr;
}

torch::Tensor batch_norm_recomputing_input(const torch::Tensor& x, const torch::Tensor& weight,
                                           const torch::Tensor& bias, const torch::Tensor& running_mean,
                                           const torch::Tensor& running_var, double momentum, double eps) {
  auto recipe = remembered_recipe(x);
  TORCH_CHECK(recipe != nullptr, "batch_norm_recomputing_input: not the latest int8-forward conv output");
  return BatchNormRecomputingInput::apply(x, weight, bias, running_mean, running_var, momentum, eps, recipe);
}

torch::Tensor max_pool2d_saving_codes(const torch::Tensor& x, int64_t kernel, int input_bits, int64_t stride,
                                      int64_t padding) {
  if (stride == 0) stride = kernel;
  if (!saves_codes(x, torch::Tensor(), input_bits) || !x.device().is_cpu() || x.scalar_type() != torch::kFloat32 ||
      x.dim() != 4 || !x.is_contiguous() || kernel > x.size(3) || kernel > x.size(2) || 2 * padding > kernel) {
    return torch::max_pool2d(x, kernel, stride, padding);
  }
  return MaxPool2dSavingOffsets::apply(x, kernel, stride, padding);
}

}  // namespace nn
}  // namespace wrpn
