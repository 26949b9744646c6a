// Sums the gradients of a model over all ranks in buckets, overlapped with backward: a hook
// on every parameter copies its gradient into its bucket's flat buffer as autograd produces
// it, and the bucket's all-reduce starts as soon as its last gradient has arrived, while
// backward carries on with earlier layers. finish_step() starts the buckets whose gradients
// never came (unused parameters, a rank with an empty batch), waits for all of them and
// writes the sums back into the parameters' .grad.
//
// Parameters are bucketed in reverse registration order, about the order backward reaches
// them. Each parameter must be used once per forward (true of every wrpn model); a second
// gradient for a parameter in one step throws rather than being silently lost.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <mutex>
#include <vector>

#include "wrpn/distributed/process_group.h"

namespace wrpn {
namespace distributed {

class GradSync {
 public:
  static constexpr int64_t kDefaultBucketBytes = 25 << 20;

  GradSync(std::vector<torch::Tensor> parameters, std::shared_ptr<Group> group,
           int64_t bucket_bytes = kDefaultBucketBytes);
  ~GradSync();
  GradSync(const GradSync&) = delete;
  GradSync& operator=(const GradSync&) = delete;

  /// Call before backward: clears the buckets.
  void begin_step();
  /// Call after backward, before the optimiser step: every .grad then holds the sum over the
  /// ranks.
  void finish_step();

  int64_t bucket_count() const { return int64_t(buckets_.size()); }
  /// Buckets of the current step whose all-reduce has started (during backward, before
  /// finish_step() starts the rest).
  int64_t buckets_started() const;
  int64_t gradient_bytes() const { return gradient_bytes_; }
  /// Seconds finish_step() has spent waiting for all-reduces (the part not hidden behind
  /// backward), summed over steps.
  double wait_seconds() const { return wait_seconds_; }

 private:
  struct Bucket {
    torch::Tensor flat;
    std::vector<size_t> members;  // indices into params_
    size_t arrived = 0;
    c10::intrusive_ptr<c10d::Work> work;
  };
  struct Slot {
    size_t bucket;
    int64_t offset;
    bool arrived = false;
  };

  void on_gradient(size_t param, const torch::Tensor& grad);
  void launch(Bucket& bucket);

  std::vector<torch::Tensor> params_;
  std::shared_ptr<Group> group_;
  std::vector<Bucket> buckets_;
  std::vector<Slot> slots_;
  std::vector<unsigned> hook_handles_;
  std::mutex mutex_;
  int64_t gradient_bytes_ = 0;
  double wait_seconds_ = 0;
};

}  // namespace distributed
}  // namespace wrpn
