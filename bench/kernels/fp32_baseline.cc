#include "fp32_baseline.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstdlib>

#include "bench_timing.h"

namespace wrpn::bench {

double fp32_onednn_gemm_seconds(const wrpn::kernels::ConvShape& s, int threads) {
  at::set_num_threads(threads);
  at::manual_seed(1);
  const at::Tensor x = at::randn({s.batch, s.gemm_k(), s.out_h(), s.out_w()});
  const at::Tensor w = at::randn({s.gemm_m(), s.gemm_k(), 1, 1});
  return best_seconds([&] { at::mkldnn_convolution(x, w, {}, {0, 0}, {1, 1}, {1, 1}, 1); });
}

double fp32_matmul_seconds(int m, int n, int k, int threads) {
  at::set_num_threads(threads);
  at::manual_seed(1);
  const at::Tensor w = at::randn({m, k});
  const at::Tensor x = at::randn({k, n});
  return best_seconds([&] { at::matmul(w, x); }, 0.1, 2);
}

double fp32_onednn_conv_seconds(const wrpn::kernels::ConvShape& s, int threads) {
  at::set_num_threads(threads);
  at::manual_seed(1);
  const at::Tensor x = at::randn({s.batch, s.in_c, s.in_h, s.in_w});
  const at::Tensor w = at::randn({s.out_c, s.in_c, s.kernel_h, s.kernel_w});
  return best_seconds(
      [&] { at::mkldnn_convolution(x, w, {}, {s.pad, s.pad}, {s.stride, s.stride}, {1, 1}, 1); });
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
