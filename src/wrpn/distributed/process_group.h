// One process of a data-parallel run: where it sits (rank, world size), how it meets the
// others (a c10d store) and the collectives it runs with them (c10d::ProcessGroupGloo; NCCL
// when LibTorch has CUDA, see docs/DISTRIBUTED.md). Every collective is bounded by the run's
// timeout, and a failed one throws PeerFailure naming the ranks that did not answer and their
// hosts.
#pragma once

#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace wrpn {
namespace distributed {

/// Where a worker sits, as torchrun sets it: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
/// MASTER_PORT.
struct WorkerEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
};

/// The worker's place from the environment; nullopt when WORLD_SIZE is not set (a plain
/// single-process run). Throws std::invalid_argument naming the variable and its value when
/// one is missing or out of range.
std::optional<WorkerEnv> worker_env_from_environment();

struct DistOptions {
  /// "tcp" (rank 0 serves a TCPStore at MASTER_ADDR:MASTER_PORT) or "file:PATH" (a FileStore
  /// on a file every rank can reach; the file must not exist from an earlier run).
  std::string store = "tcp";
  /// Seconds any rendezvous or collective may wait for the other ranks.
  double timeout_s = 60;
  /// Address (or host name) of this machine that the other ranks reach it at, for Gloo's
  /// connections. Empty: GLOO_SOCKET_IFNAME's address when set, 127.0.0.1 with a file store,
  /// otherwise the address this machine sends from towards MASTER_ADDR (its route).
  std::string local_addr;

  /// Throws std::invalid_argument naming the option and its value.
  void validate() const;
};

/// A collective failed because another rank died, hung or went away.
class PeerFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Exit status of a worker that stopped because of a PeerFailure, so that a launcher can
/// tell the rank that failed from the ranks that noticed it.
constexpr int kPeerFailureExitCode = 75;

class Group {
 public:
  /// Meets the other ranks through the store and builds the process group; throws naming the
  /// store address when it cannot be reached within the timeout.
  static std::shared_ptr<Group> connect(const WorkerEnv& env, const DistOptions& options);
  ~Group();

  int rank() const { return rank_; }
  int size() const { return size_; }
  double timeout_s() const { return timeout_s_; }
  /// Where `rank` runs, as its messages name it: "HOSTNAME at ADDRESS" (ADDRESS: its Gloo
  /// device's), exchanged through the store when the group was formed.
  const std::string& host(int rank) const { return hosts_.at(size_t(rank)); }

  /// Starts an in-place sum of `tensor` over all ranks.
  c10::intrusive_ptr<c10d::Work> start_allreduce_sum(torch::Tensor tensor);
  /// Waits for `work`; turns a failure or a timeout into PeerFailure, and so does another
  /// rank's report of a failure (so that a rank waiting on a live peer does not wait for the
  /// timeout while the peer stops).
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what);

  /// Blocking in-place sum over all ranks.
  void allreduce_sum(torch::Tensor tensor, const std::string& what);
  /// Blocking in-place broadcast of every tensor from `root`.
  void broadcast(std::vector<torch::Tensor> tensors, int root, const std::string& what);
  void barrier(const std::string& what);

 private:
  Group(int rank, int size, double timeout_s, c10::intrusive_ptr<c10d::Store> store,
        c10::intrusive_ptr<c10d::ProcessGroup> backend, std::vector<std::string> hosts, std::string store_owner);
  [[noreturn]] void fail(const std::string& what, const std::string& cause);
  std::string unresponsive_ranks();
  /// "rank R (host H)".
  std::string named(int rank) const;

  int rank_, size_;
  double timeout_s_;
  std::vector<std::string> hosts_;  // by rank
  std::string store_owner_;         // who serves the store, for the message when it is gone
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroup> backend_;
  struct Watch;  // a thread woken through the store when another rank fails
  std::shared_ptr<Watch> watch_;
};

/// Copies every parameter and buffer of `module` from rank 0 to the other ranks.
void broadcast_module(Group& group, torch::nn::Module& module);

/// Copies every buffer (batch-norm running statistics) of `module` from rank 0.
void broadcast_buffers(Group& group, torch::nn::Module& module);

}  // namespace distributed
}  // namespace wrpn
