#include "wrpn/data/rng.h"

#include <numeric>
#include <utility>

namespace wrpn {
namespace data {

std::vector<int64_t> permutation(int64_t n, uint64_t seed, uint64_t stream) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  SplitMix64 rng(seed, stream);
  for (int64_t i = n - 1; i > 0; --i) {
    std::swap(order[size_t(i)], order[size_t(rng.below(uint64_t(i) + 1))]);
  }
  return order;
}

}  // namespace data
}  // namespace wrpn
