// Which samples each rank of a data-parallel run reads. The global order is the
// single-process loader's (a permutation that depends only on (seed, epoch)); global batch b
// is positions [b*G, b*G + m) of it, m = min(G, N - b*G), and rank r of W reads the
// contiguous slice [b*G + r*m/W, b*G + (r+1)*m/W) (integer division). So every sample is read
// exactly once per epoch across the ranks, nothing is dropped or padded, and a short last
// batch (or a global batch not divisible by W) gives ranks slices that differ by at most one.
#pragma once

#include <cstdint>

namespace wrpn {
namespace data {

struct ShardSlice {
  int64_t first = 0;  // position in the epoch's order
  int64_t count = 0;  // may be 0 when the global batch is smaller than the world
};

/// Number of global batches of an epoch: ceil(num_samples / global_batch).
int64_t global_batches(int64_t num_samples, int64_t global_batch);

/// Rank `rank`'s slice of global batch `index` (see the rule above).
ShardSlice shard_of_batch(int64_t num_samples, int64_t global_batch, int64_t index, int rank, int world_size);

/// The most samples a rank reads in one step: ceil(global_batch / world_size).
int64_t max_shard_size(int64_t global_batch, int world_size);

}  // namespace data
}  // namespace wrpn
