#include "wrpn/distributed/grad_sync.h"

#include <fmt/format.h>

#include <chrono>

namespace wrpn {
namespace distributed {

GradSync::GradSync(std::vector<torch::Tensor> parameters, std::shared_ptr<Group> group, int64_t bucket_bytes)
    : group_(std::move(group)) {
  for (auto& p : parameters) {
    if (p.requires_grad()) params_.push_back(p);
  }
  slots_.resize(params_.size());
  int64_t bucket_numel = 0, bucket_used = 0;
  std::vector<std::vector<size_t>> groups;
  // Reverse registration order: the last layers' gradients arrive first.
  for (size_t i = params_.size(); i-- > 0;) {
    const int64_t bytes = params_[i].numel() * int64_t(params_[i].element_size());
    if (groups.empty() || (bucket_used > 0 && bucket_used + bytes > bucket_bytes) ||
        params_[i].scalar_type() != params_[groups.back().front()].scalar_type()) {
      groups.emplace_back();
      bucket_numel = 0;
      bucket_used = 0;
    }
    slots_[i] = {groups.size() - 1, bucket_numel, false};
    groups.back().push_back(i);
    bucket_numel += params_[i].numel();
    bucket_used += bytes;
    gradient_bytes_ += bytes;
  }
  for (auto& members : groups) {
    int64_t numel = 0;
    for (size_t i : members) numel += params_[i].numel();
    const auto& first = params_[members.front()];
    Bucket bucket;
    bucket.flat = torch::zeros({numel}, first.options().requires_grad(false));
    bucket.members = members;
    buckets_.push_back(std::move(bucket));
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    hook_handles_.push_back(params_[i].register_hook([this, i](const torch::Tensor& grad) { on_gradient(i, grad); }));
  }
}

GradSync::~GradSync() {
  for (size_t i = 0; i < params_.size(); ++i) params_[i].remove_hook(hook_handles_[i]);
}

void GradSync::begin_step() {
  for (auto& b : buckets_) {
    b.flat.zero_();
    b.arrived = 0;
    b.work.reset();
  }
  for (auto& s : slots_) s.arrived = false;
}

void GradSync::on_gradient(size_t param, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  Slot& slot = slots_[param];
  if (slot.arrived) {
    throw std::logic_error(
        fmt::format("parameter {} received a second gradient in one step; data-parallel gradient sync "
                    "needs each parameter used once per forward",
                    param));
  }
  slot.arrived = true;
  Bucket& bucket = buckets_[slot.bucket];
  torch::NoGradGuard no_grad;
  bucket.flat.narrow(0, slot.offset, grad.numel()).copy_(grad.reshape(-1));
  if (++bucket.arrived == bucket.members.size()) launch(bucket);
}

void GradSync::launch(Bucket& bucket) { bucket.work = group_->start_allreduce_sum(bucket.flat); }

int64_t GradSync::buckets_started() const {
  int64_t n = 0;
  for (const auto& b : buckets_) n += b.work ? 1 : 0;
  return n;
}

void GradSync::finish_step() {
  const auto start = std::chrono::steady_clock::now();
  for (auto& b : buckets_) {
    if (!b.work) launch(b);
  }
  for (auto& b : buckets_) group_->wait(b.work, "gradient all-reduce");
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    torch::Tensor& p = params_[i];
    const torch::Tensor sum = buckets_[slots_[i].bucket].flat.narrow(0, slots_[i].offset, p.numel()).view_as(p);
    if (p.grad().defined()) {
      p.mutable_grad().copy_(sum);
    } else {
      p.mutable_grad() = sum.clone();
    }
  }
}

}  // namespace distributed
}  // namespace wrpn
