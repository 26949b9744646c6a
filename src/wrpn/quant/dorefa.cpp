#include "wrpn/quant/dorefa.h"

#include "wrpn/quant/bits.h"
#include "wrpn/quant/quantizers.h"

namespace wrpn {
namespace quant {
namespace {

// x + (q(x) - x).detach(): the value of q(x), the gradient of x.
torch::Tensor straight_through(const torch::Tensor& x, const torch::Tensor& q) { return x + (q - x).detach(); }

}  // namespace

torch::Tensor dorefa_quantize_unit(const torch::Tensor& r, int bits) {
  check_bits(bits, "DoReFa bits");
  if (is_full_precision(bits)) return r;
  const double n = double(activation_levels(bits));
  return straight_through(r, torch::round(r.detach() * n) / n);
}

torch::Tensor dorefa_weights(const torch::Tensor& w, int bits) {
  check_bits(bits, "weight bits");
  if (is_full_precision(bits)) return w;
  if (bits == 1) {
    const torch::Tensor alpha = w.abs().mean().detach();
    return straight_through(w, torch::where(w.detach() >= 0, alpha, -alpha));
  }
  const torch::Tensor t = torch::tanh(w);
  // max|tanh(w)| = 0 only for an all-zero tensor; 1/2 then maps it to the middle, as 0/0 would not.
  const torch::Tensor m = torch::clamp_min(t.abs().max(), 1e-30);
  return 2 * dorefa_quantize_unit(t / (2 * m) + 0.5, bits) - 1;
}

torch::Tensor dorefa_activations(const torch::Tensor& a, int bits) { return quantize_activations(a, bits); }

}  // namespace quant
}  // namespace wrpn
