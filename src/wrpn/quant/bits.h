// Bit widths as the WRPN contract defines them: 1..8 quantized, 32 full precision.
#pragma once

#include <cstdint>
#include <string>

#include "wrpn/kernels/codes.h"

namespace wrpn {
namespace quant {

constexpr int kFullPrecision = 32;

/// True for the widths the quantizers accept: 1..8 and 32.
inline bool is_valid_bits(int bits) { return (bits >= 1 && bits <= 8) || bits == kFullPrecision; }

inline bool is_full_precision(int bits) { return bits == kFullPrecision; }

/// Throws std::invalid_argument naming `what` and the value unless bits is 1..8 or 32.
void check_bits(int bits, const std::string& what);

/// Activation levels n = 2^k - 1 (codes 0..n): the contract of kernels/codes.h.
inline int64_t activation_levels(int bits) { return kernels::act_code_max(bits); }

/// Weight magnitude levels n = 2^(k-1) - 1 for k >= 2 (integers -n..n): kernels/codes.h.
inline int64_t weight_levels(int bits) { return kernels::weight_code_max(bits); }

}  // namespace quant
}  // namespace wrpn
