// Best-of timing: this machine is shared, so the fastest of many runs is the
// least disturbed estimate of what the code can do; every row uses the same rule.
#pragma once

#include <algorithm>
#include <chrono>

namespace wrpn::bench {

// Runs fn() at least min_reps times and for at least min_seconds; returns the fastest run in seconds.
template <class Fn>
double best_seconds(const Fn& fn, double min_seconds = 0.25, int min_reps = 5) {
  fn();  // warm caches and thread pools
  double best = 1e30, total = 0;
  for (int rep = 0; rep < min_reps || total < min_seconds; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, s);
    total += s;
    if (rep > 10000) break;
  }
  return best;
}

}  // namespace wrpn::bench
