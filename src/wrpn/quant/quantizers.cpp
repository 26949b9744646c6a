#include "wrpn/quant/quantizers.h"

#include <ATen/Parallel.h>

#include "wrpn/kernels/fake_quantize.h"
#include "wrpn/quant/bits.h"
#include "wrpn/quant/packed_saving.h"

namespace wrpn {
namespace quant {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Elements per parallel chunk: large enough that threads pay off only on big tensors.
constexpr int64_t kGrainSize = 1 << 15;

bool runs_fused_kernel(const torch::Tensor& x) { return x.device().is_cpu() && x.scalar_type() == torch::kFloat32; }

// Straight-through gradient of clamp(x, lo, hi): g where lo <= x <= hi, else 0.
torch::Tensor ste_clamp_grad(const torch::Tensor& x, const torch::Tensor& g, double lo, double hi) {
  if (!runs_fused_kernel(x) || g.scalar_type() != torch::kFloat32) {
    return g * torch::logical_and(x >= lo, x <= hi).to(g.scalar_type());
  }
  const torch::Tensor xc = x.contiguous();
  const torch::Tensor gc = g.contiguous();
  torch::Tensor out = torch::empty_like(gc);
  const float* xp = xc.data_ptr<float>();
  const float* gp = gc.data_ptr<float>();
  float* op = out.data_ptr<float>();
  at::parallel_for(0, xc.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
    kernels::ste_clamp_grad(xp + begin, gp + begin, op + begin, end - begin, float(lo), float(hi));
  });
  return out;
}

// round(levels * clamp(x, lo, hi)) / levels with the straight-through gradient. With
// `code_bits` > 0 (activations, packed saving on) the backward keeps only the clamp's mask
// (1 bit per element) instead of x, and the output's `code_bits`-bit codes are packed in the
// same pass for the layers that save them.
struct ClampRoundSte : public torch::autograd::Function<ClampRoundSte> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, double lo, double hi, int64_t levels,
                               int64_t code_bits) {
    ctx->saved_data["lo"] = lo;
    ctx->saved_data["hi"] = hi;
    if (code_bits == 0) {
      ctx->save_for_backward({x});
      return fake_quantize(x, lo, hi, levels);
    }
    SavedMask mask;
    torch::Tensor out;
    if (lo == 0.0 && hi == 1.0 && packs_in_one_pass(x)) {
      out = quantize_saving_codes(x, int(code_bits), &mask);
    } else {
      mask = SavedMask::save(x, lo, hi);
      out = fake_quantize(x, lo, hi, levels);
    }
    ctx->saved_data["mask"] = mask.data;
    ctx->saved_data["mask_bit_packed"] = mask.bit_packed;
    return out;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    torch::Tensor grad;
    if (ctx->saved_data.count("mask") != 0) {
      SavedMask mask;
      mask.data = ctx->saved_data["mask"].toTensor();
      mask.bit_packed = ctx->saved_data["mask_bit_packed"].toBool();
      grad = mask.apply(grads[0]);
    } else {
      grad = ste_clamp_grad(ctx->get_saved_variables()[0], grads[0], ctx->saved_data["lo"].toDouble(),
                            ctx->saved_data["hi"].toDouble());
    }
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// alpha * sign(w), sign(0) = +1, alpha = mean |w| (per tensor or per output channel).
// The gradient is straight-through to w, zero where |w| > 1; alpha passes no gradient.
struct BinarySte : public torch::autograd::Function<BinarySte> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& w, bool per_channel) {
    ctx->save_for_backward({w});
    torch::Tensor alpha;
    if (per_channel && w.dim() > 1) {
      std::vector<int64_t> reduce_dims;
      for (int64_t d = 1; d < w.dim(); ++d) reduce_dims.push_back(d);
      alpha = w.abs().mean(reduce_dims, /*keepdim=*/true);
    } else {
      alpha = w.abs().mean();
    }
    return torch::where(w >= 0, alpha, -alpha);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const torch::Tensor w = ctx->get_saved_variables()[0];
    return {ste_clamp_grad(w, grads[0], -1.0, 1.0), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor fake_quantize(const torch::Tensor& x, double lo, double hi, int64_t levels) {
  if (!runs_fused_kernel(x)) {
    // Any other device or dtype: the same arithmetic through ATen (exact, not fused).
    return torch::round(torch::clamp(x, lo, hi) * double(levels)) / double(levels);
  }
  const torch::Tensor xc = x.contiguous();
  torch::Tensor out = torch::empty_like(xc);
  const float* xp = xc.data_ptr<float>();
  float* op = out.data_ptr<float>();
  at::parallel_for(0, xc.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
    kernels::fake_quantize(xp + begin, op + begin, end - begin, float(lo), float(hi), float(levels));
  });
  return out;
}

torch::Tensor quantize_activations(const torch::Tensor& a, int bits) {
  check_bits(bits, "activation bits");
  if (is_full_precision(bits)) return torch::relu(a);
  const bool saves_codes = packed_saving_enabled() && torch::GradMode::is_enabled();
  return ClampRoundSte::apply(a, 0.0, 1.0, activation_levels(bits), int64_t(saves_codes ? bits : 0));
}

torch::Tensor quantize_weights(const torch::Tensor& w, int bits, bool per_channel) {
  check_bits(bits, "weight bits");
  if (is_full_precision(bits)) return w;
  if (bits == 1) return BinarySte::apply(w, per_channel);
  return ClampRoundSte::apply(w, -1.0, 1.0, weight_levels(bits), /*code_bits=*/0);
}

WeightCodes weight_codes(const torch::Tensor& w_q, int bits, bool per_channel, double gain) {
  check_bits(bits, "weight bits");
  TORCH_CHECK(!is_full_precision(bits), "weight_codes needs quantized weights, got 32 bits");
  const torch::NoGradGuard no_grad;
  WeightCodes out;
  if (bits == 1) {
    // alpha * sign(w): the codes are the signs, alpha the magnitude (per channel or per tensor).
    out.codes = torch::where(w_q >= 0, 1, -1).to(torch::kInt8);
    const torch::Tensor rows = w_q.reshape({w_q.size(0), -1});
    out.scales = (per_channel && w_q.dim() > 1 ? rows.select(1, 0).abs() : rows.reshape({-1}).slice(0, 0, 1).abs())
                     .to(torch::kFloat32) *
                 gain;
  } else {
    const double n = double(weight_levels(bits));
    out.codes = torch::round(w_q * n).to(torch::kInt8);
    out.scales = torch::full({1}, gain / n, torch::kFloat32);
  }
  return out;
}

}  // namespace quant
}  // namespace wrpn
