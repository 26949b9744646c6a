// A small counter-based random generator whose streams are the same on every platform and
// standard library (std::shuffle and std::uniform_int_distribution are not).
#pragma once

#include <cstdint>
#include <vector>

namespace wrpn {
namespace data {

/// SplitMix64: a full-period 64-bit generator; seeding it from (seed, stream ...) gives
/// independent reproducible streams, e.g. one per epoch or per sample.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  SplitMix64(uint64_t seed, uint64_t stream) : state_(mix(seed ^ mix(stream + 0x632be59bd9b4e019ULL))) {}

  uint64_t next() { return mix(state_ += 0x9e3779b97f4a7c15ULL); }
  /// Uniform integer in [0, bound) (Lemire's multiply-shift; bias < bound / 2^64).
  uint64_t below(uint64_t bound) { return uint64_t((static_cast<unsigned __int128>(next()) * bound) >> 64); }

  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

/// A permutation of 0..n-1 by Fisher-Yates, reproducible from (seed, stream).
std::vector<int64_t> permutation(int64_t n, uint64_t seed, uint64_t stream);

}  // namespace data
}  // namespace wrpn
