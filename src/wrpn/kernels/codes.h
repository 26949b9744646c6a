// The WRPN quantization contract, as integer codes:
//   activations, k_a bits: unsigned codes 0..2^k_a-1 (value code/(2^k_a-1));
//   weights, k_w >= 2: signed integers -n..n, n = 2^(k_w-1)-1;
//   weights, k_w == 1: sign codes +1/-1 (an input 0 counts as +1).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace wrpn::kernels {

constexpr int kMinBits = 1;
constexpr int kMaxBits = 8;

// Throws std::invalid_argument naming `what` when bits is outside 1..8.
inline void check_bits(int bits, const char* what) {
  if (bits < kMinBits || bits > kMaxBits) {
    throw std::invalid_argument(std::string(what) + " bits must be in 1..8, got " + std::to_string(bits));
  }
}

// Largest activation code, L = 2^k_a - 1.
inline int act_code_max(int act_bits) { return (1 << act_bits) - 1; }

// Largest weight magnitude n (k_w >= 2), or 1 for sign weights (k_w == 1).
inline int weight_code_max(int weight_bits) { return weight_bits == 1 ? 1 : (1 << (weight_bits - 1)) - 1; }

// Throws unless `code` is a legal weight code for `weight_bits`.
inline void check_weight_code(int code, int weight_bits) {
  const int n = weight_code_max(weight_bits);
  if (weight_bits == 1) return;  // any value: its sign is the code
  if (code < -n || code > n) {
    throw std::invalid_argument("weight code " + std::to_string(code) + " outside -" + std::to_string(n) + ".." +
                                std::to_string(n) + " for " + std::to_string(weight_bits) + "-bit weights");
  }
}

inline void check_act_code(int code, int act_bits) {
  if (code > act_code_max(act_bits)) {
    throw std::invalid_argument("activation code " + std::to_string(code) + " exceeds " +
                                std::to_string(act_code_max(act_bits)) + " for " + std::to_string(act_bits) +
                                "-bit activations");
  }
}

// Checks `count` activation codes at once (a max reduction the compiler
// vectorises); throws naming the first offending value.
inline void check_act_codes(const uint8_t* codes, size_t count, int act_bits) {
  uint8_t max_code = 0;
  for (size_t i = 0; i < count; ++i) max_code = codes[i] > max_code ? codes[i] : max_code;
  if (max_code <= act_code_max(act_bits)) return;
  for (size_t i = 0; i < count; ++i) check_act_code(codes[i], act_bits);
}

// The value a weight code stands for, in units of the layer scale (sign(0) = +1 at 1 bit).
inline int weight_code_value(int code, int weight_bits) { return weight_bits == 1 ? (code >= 0 ? 1 : -1) : code; }

inline size_t round_up(size_t x, size_t multiple) { return (x + multiple - 1) / multiple * multiple; }

}  // namespace wrpn::kernels
