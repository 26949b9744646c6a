#include "wrpn/kernels/gemm_ref.h"

#include "wrpn/kernels/codes.h"

namespace wrpn::kernels {

void gemm_s32_ref(int weight_bits, int act_bits, const int8_t* weights, size_t ldw, const uint8_t* acts, size_t lda,
                  int m, int n, int k, int32_t* out, size_t ldo) {
  check_bits(weight_bits, "weight");
  check_bits(act_bits, "activation");
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < m; ++i) {
      int64_t sum = 0;
      for (int p = 0; p < k; ++p) {
        const int w = weights[size_t(i) * ldw + p];
        const int a = acts[size_t(j) * lda + p];
        check_weight_code(w, weight_bits);
        check_act_code(a, act_bits);
        sum += int64_t(weight_code_value(w, weight_bits)) * a;
      }
      out[size_t(j) * ldo + i] = static_cast<int32_t>(sum);
    }
  }
}

}  // namespace wrpn::kernels
