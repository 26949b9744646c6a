// Shared helpers for the kernel tests: deterministic codes and target iteration.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "wrpn/kernels/amx_support.h"
#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/target_info.h"

namespace wrpn::kernels::testing {

// The awkward sizes of the issue, around the packing widths (64 codes, 32/64-byte vectors).
inline const std::vector<int>& awkward_sizes() {
  static const std::vector<int> s = {1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 127, 257};
  return s;
}

// Random weight codes -n..n (k_w >= 2) or -1/0/+1 (k_w == 1, 0 counts as +1), fixed seed.
inline std::vector<int8_t> random_weights(int weight_bits, size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  const int n = weight_code_max(weight_bits);
  std::uniform_int_distribution<int> dist(-n, n);
  std::vector<int8_t> w(count);
  for (auto& x : w) x = static_cast<int8_t>(dist(rng));
  return w;
}

// Random activation codes 0..2^k_a-1, fixed seed.
inline std::vector<uint8_t> random_acts(int act_bits, size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(0, act_code_max(act_bits));
  std::vector<uint8_t> a(count);
  for (auto& x : a) x = static_cast<uint8_t>(dist(rng));
  return a;
}

// Restores the CPU's full target set when a test ends, even on failure.
struct ScopedTarget {
  explicit ScopedTarget(int64_t target) { force_target(target); }
  ~ScopedTarget() { force_target(0); }
};

// Switches the AMX tier off for a scope, as WRPN_DISABLE_AMX=1 does for a process.
struct ScopedAmxDisabled {
  ScopedAmxDisabled() { set_amx_disabled(true); }
  ~ScopedAmxDisabled() { set_amx_disabled(false); }
};

// Runs fn() once per compiled target this CPU supports, checking dispatch follows.
template <class Fn>
void for_each_target(const Fn& fn) {
  const std::vector<int64_t> targets = runnable_targets();
  ASSERT_FALSE(targets.empty());
  for (int64_t t : targets) {
    ScopedTarget scoped(t);
    SCOPED_TRACE("target " + target_name(t));
    ASSERT_EQ(active_target_name(), target_name(t));
    fn(t);
  }
}

}  // namespace wrpn::kernels::testing
