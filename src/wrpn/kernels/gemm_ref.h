// The oracle: naive loops over unpacked codes, no packing, no SIMD.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wrpn::kernels {

// out[n * ldo + m] = sum_k value(W[m][k]) * A[n][k], where value() is the code
// itself for k_w >= 2 and its sign (0 -> +1) for k_w == 1. Validates codes.
void gemm_s32_ref(int weight_bits, int act_bits, const int8_t* weights, size_t ldw, const uint8_t* acts, size_t lda,
                  int m, int n, int k, int32_t* out, size_t ldo);

}  // namespace wrpn::kernels
