// Worker threads that make batches ahead of the consumer into a bounded queue. Batches are
// numbered in the order the consumer will ask for them and handed out strictly in that order,
// so the result is the same for any number of workers; a request out of sequence restarts
// the pipeline from there (results of the abandoned sequence are dropped). Workers do not
// start the next epoch's batches until the consumer has asked for its first one.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "wrpn/data/batch_loader.h"

namespace wrpn {
namespace data {

class Prefetcher {
 public:
  /// `make_batch(epoch, index)` runs on the worker threads and must be thread-safe.
  /// `capacity` is the most batches made but not yet taken.
  Prefetcher(std::function<Batch(int64_t, int64_t)> make_batch, int64_t batches_per_epoch, int workers, int capacity);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  /// Batch `index` of `epoch`; blocks until it is ready. Rethrows a worker's exception for
  /// that batch.
  Batch take(int64_t epoch, int64_t index);

 private:
  void work();
  std::pair<int64_t, int64_t> position_of(int64_t job) const;  // (epoch, index)

  std::function<Batch(int64_t, int64_t)> make_batch_;
  int64_t batches_per_epoch_;
  int64_t capacity_;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_ = false;
  bool started_ = false;
  uint64_t generation_ = 0;  // bumped at every restart; stale results are dropped
  int64_t start_epoch_ = 0, start_index_ = 0;
  int64_t next_job_ = 0;   // next job number a worker will take
  int64_t next_take_ = 0;  // job number the consumer takes next
  std::map<int64_t, Batch> ready_;
  std::map<int64_t, std::exception_ptr> failed_;
  std::vector<std::thread> threads_;
};

}  // namespace data
}  // namespace wrpn
