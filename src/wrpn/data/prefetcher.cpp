#include "wrpn/data/prefetcher.h"

#include <fmt/format.h>

#include <stdexcept>

namespace wrpn {
namespace data {

Prefetcher::Prefetcher(std::function<Batch(int64_t, int64_t)> make_batch, int64_t batches_per_epoch, int workers,
                       int capacity)
    : make_batch_(std::move(make_batch)), batches_per_epoch_(batches_per_epoch), capacity_(capacity) {
  if (workers < 1) throw std::invalid_argument(fmt::format("workers must be >= 1, got {}", workers));
  if (capacity < 1) {
    throw std::invalid_argument(fmt::format("prefetch capacity must be >= 1, got {}", capacity));
  }
  for (int w = 0; w < workers; ++w) threads_.emplace_back([this] { work(); });
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  for (auto& t : threads_) t.join();
}

std::pair<int64_t, int64_t> Prefetcher::position_of(int64_t job) const {
  const int64_t flat = start_index_ + job;
  return {start_epoch_ + flat / batches_per_epoch_, flat % batches_per_epoch_};
}

void Prefetcher::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    // Never run into the next epoch before the consumer does: an evaluation loader is asked
    // for epoch 0 again and again, and batches made for "epoch 1" would all be thrown away.
    changed_.wait(lock, [this] {
      return stop_ || (started_ && next_job_ < next_take_ + capacity_ &&
                       position_of(next_job_).first <= position_of(next_take_).first);
    });
    if (stop_) return;
    const int64_t job = next_job_++;
    const uint64_t generation = generation_;
    const auto [epoch, index] = position_of(job);
    lock.unlock();
    Batch batch;
    std::exception_ptr error;
    try {
      batch = make_batch_(epoch, index);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (generation != generation_) continue;  // the consumer restarted elsewhere
    if (error) {
      failed_[job] = error;
    } else {
      ready_[job] = std::move(batch);
    }
    changed_.notify_all();
  }
}

Batch Prefetcher::take(int64_t epoch, int64_t index) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!started_ || position_of(next_take_) != std::make_pair(epoch, index)) {
    ++generation_;
    start_epoch_ = epoch;
    start_index_ = index;
    next_job_ = next_take_ = 0;
    ready_.clear();
    failed_.clear();
    started_ = true;
    changed_.notify_all();
  }
  const int64_t job = next_take_;
  changed_.wait(lock, [&] { return ready_.count(job) > 0 || failed_.count(job) > 0; });
  ++next_take_;
  changed_.notify_all();
  if (auto f = failed_.find(job); f != failed_.end()) {
    const std::exception_ptr error = f->second;
    failed_.erase(f);
    // Restart from this batch if asked again, rather than leave the pipeline past it.
    started_ = false;
    std::rethrow_exception(error);
  }
  Batch batch = std::move(ready_[job]);
  ready_.erase(job);
  return batch;
}

}  // namespace data
}  // namespace wrpn
