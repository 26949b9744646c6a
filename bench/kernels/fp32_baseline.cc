#include "fp32_baseline.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>

#include "bench_timing.h"

namespace wrpn::bench {

// oneDNN through LibTorch 1.13 has three entry points for this product and none
// wins everywhere on this machine, so the baseline is the fastest of them, with
// operands converted to oneDNN's layouts outside the timed region (as our
// weights are packed ahead of time and the GEMM rows exclude activation packing).
double fp32_onednn_gemm_seconds(const wrpn::kernels::ConvShape& s, int threads) {
  at::set_num_threads(threads);
  at::manual_seed(1);
  const int m = s.gemm_m(), n = s.gemm_n(), k = s.gemm_k();
  // 1. 1x1 convolution over the output grid, plain tensors.
  const at::Tensor x = at::randn({s.batch, k, s.out_h(), s.out_w()});
  const at::Tensor w = at::randn({m, k, 1, 1});
  const double plain = best_seconds([&] { at::mkldnn_convolution(x, w, {}, {0, 0}, {1, 1}, {1, 1}, 1); });
  // 2. The same with input and weights already in oneDNN's blocked layouts.
  const at::Tensor xm = x.to_mkldnn();
  const at::Tensor wm = at::mkldnn_reorder_conv2d_weight(w.to_mkldnn(), {0, 0}, {1, 1}, {1, 1}, 1);
  const double blocked = best_seconds([&] { at::mkldnn_convolution(xm, wm, {}, {0, 0}, {1, 1}, {1, 1}, 1); });
  // 3. An inner product (linear layer): N x K input, M x K weights.
  const at::Tensor a = at::randn({n, k}).to_mkldnn();
  const at::Tensor wl = at::randn({m, k});
  const double linear = best_seconds([&] { at::mkldnn_linear(a, wl, {}); });
  return std::min({plain, blocked, linear});
}

double fp32_matmul_seconds(int m, int n, int k, int threads) {
  at::set_num_threads(threads);
  at::manual_seed(1);
  const at::Tensor w = at::randn({m, k});
  const at::Tensor x = at::randn({k, n});
  return best_seconds([&] { at::matmul(w, x); }, 0.1, 2);
}

// The convolution itself: plain NCHW input (converted per call, as our conv rows
// pack activations per call), weights either plain or pre-reordered; the faster.
double fp32_onednn_conv_seconds(const wrpn::kernels::ConvShape& s, int threads) {
  at::set_num_threads(threads);
  at::manual_seed(1);
  const at::Tensor x = at::randn({s.batch, s.in_c, s.in_h, s.in_w});
  const at::Tensor w = at::randn({s.out_c, s.in_c, s.kernel_h, s.kernel_w});
  const double plain = best_seconds([&] {
    at::mkldnn_convolution(x, w, {}, {s.pad, s.pad}, {s.stride, s.stride}, {1, 1}, 1);
  });
  const at::Tensor wm =
      at::mkldnn_reorder_conv2d_weight(w.to_mkldnn(), {s.pad, s.pad}, {s.stride, s.stride}, {1, 1}, 1);
  const double blocked = best_seconds([&] {
    at::mkldnn_convolution(x.to_mkldnn(), wm, {}, {s.pad, s.pad}, {s.stride, s.stride}, {1, 1}, 1);
  });
  return std::min(plain, blocked);
}

std::string fp32_backend_info() {
  const char* isa = std::getenv("DNNL_MAX_CPU_ISA");
  std::string cfg = at::show_config();
  std::string dnnl = "oneDNN ?";
  const auto pos = cfg.find("MKL-DNN v");
  if (pos != std::string::npos) dnnl = "oneDNN " + cfg.substr(pos + 8, cfg.find(' ', pos + 9) - pos - 8);
  const bool generic_blas = cfg.find("BLAS_INFO=generic") != std::string::npos;
  return dnnl + ", DNNL_MAX_CPU_ISA=" + (isa ? isa : "(unset: best)") +
         (generic_blas ? ", at::matmul on generic (reference) BLAS" : "");
}

}  // namespace wrpn::bench
