#include "wrpn/data/distributed_sampler.h"

#include <algorithm>

namespace wrpn {
namespace data {

int64_t global_batches(int64_t num_samples, int64_t global_batch) {
  return (num_samples + global_batch - 1) / global_batch;
}

ShardSlice shard_of_batch(int64_t num_samples, int64_t global_batch, int64_t index, int rank, int world_size) {
  const int64_t batch_first = index * global_batch;
  const int64_t m = std::max<int64_t>(0, std::min(global_batch, num_samples - batch_first));
  const int64_t begin = int64_t(rank) * m / world_size;
  const int64_t end = int64_t(rank + 1) * m / world_size;
  return {batch_first + begin, end - begin};
}

int64_t max_shard_size(int64_t global_batch, int world_size) { return (global_batch + world_size - 1) / world_size; }

}  // namespace data
}  // namespace wrpn
