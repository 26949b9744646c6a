#include "wrpn/distributed/process_group.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

// Debian's LibTorch is built with Gloo; the header hides its classes unless told so.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <glog/logging.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace wrpn {
namespace distributed {
namespace {

using std::chrono::milliseconds;

milliseconds to_ms(double seconds) { return milliseconds(int64_t(seconds * 1000.0)); }

// The integer value of environment variable `name`, which must lie in [lo, hi].
int env_int(const char* name, int lo, int hi) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') {
    throw std::invalid_argument(
        fmt::format("{} is not set (a distributed worker needs RANK, WORLD_SIZE, MASTER_ADDR "
                    "and MASTER_PORT)",
                    name));
  }
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < lo || value > hi) {
    throw std::invalid_argument(fmt::format("{} must be an integer in {}..{}, got '{}'", name, lo, hi, text));
  }
  return int(value);
}

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

// The network device Gloo connects the ranks over: GLOO_SOCKET_IFNAME when set (as in
// PyTorch), the loopback interface when every rank is on this machine, otherwise the address
// this machine's hostname resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const WorkerEnv& env, const DistOptions& options) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  }
  if (options.store != "tcp" || is_loopback(env.master_addr)) {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

std::string failed_key(int rank) { return fmt::format("wrpn/failed/{}", rank); }

}  // namespace

std::optional<WorkerEnv> worker_env_from_environment() {
  if (std::getenv("WORLD_SIZE") == nullptr) return std::nullopt;
  WorkerEnv env;
  env.world_size = env_int("WORLD_SIZE", 1, 1 << 20);
  env.rank = env_int("RANK", 0, env.world_size - 1);
  env.local_rank = std::getenv("LOCAL_RANK") ? env_int("LOCAL_RANK", 0, env.world_size - 1) : 0;
  const char* addr = std::getenv("MASTER_ADDR");
  if (addr == nullptr || *addr == '\0') {
    throw std::invalid_argument("MASTER_ADDR is not set (the host of rank 0's store)");
  }
  env.master_addr = addr;
  env.master_port = env_int("MASTER_PORT", 1, 65535);
  return env;
}

void DistOptions::validate() const {
  if (!(timeout_s > 0 && timeout_s <= 24 * 3600)) {
    throw std::invalid_argument(fmt::format("--dist-timeout must be in (0, 86400] seconds, got {}", timeout_s));
  }
  if (store != "tcp" && (store.rfind("file:", 0) != 0 || store.size() == 5)) {
    throw std::invalid_argument(fmt::format("--store must be 'tcp' or 'file:PATH', got '{}'", store));
  }
}

std::shared_ptr<Group> Group::connect(const WorkerEnv& env, const DistOptions& options) {
  options.validate();
  // c10d logs every connection or collective error through glog on top of the exception;
  // the error this process reports names the rank and carries the cause in one line.
  FLAGS_minloglevel = google::GLOG_FATAL;
  const milliseconds timeout = to_ms(options.timeout_s);
  c10::intrusive_ptr<c10d::Store> store;
  const std::string where = options.store == "tcp"
                                ? fmt::format("MASTER_ADDR:MASTER_PORT = {}:{}", env.master_addr, env.master_port)
                                : options.store;
  try {
    if (options.store == "tcp") {
      c10d::TCPStoreOptions o;
      o.port = uint16_t(env.master_port);
      o.isServer = env.rank == 0;
      o.numWorkers = size_t(env.world_size);
      o.waitWorkers = true;
      o.timeout = timeout;
      store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
    } else {
      store = c10::make_intrusive<c10d::FileStore>(options.store.substr(5), env.world_size);
      store->setTimeout(timeout);
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(
        fmt::format("rank {}: cannot meet the other {} rank(s) through the store at {} within {} s: {}", env.rank,
                    env.world_size - 1, where, options.timeout_s, c10::GetExceptionString(e)));
  }
  c10::intrusive_ptr<c10d::ProcessGroup> backend;
  // Each group gets its own key space, so that a store can outlive one group.
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("wrpn", store);
  try {
#ifdef USE_C10D_NCCL
    if (torch::cuda::is_available()) {
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, env.rank, env.world_size, o);
    }
#endif
    if (!backend) {
      auto o = c10d::ProcessGroupGloo::Options::create(timeout);
      o->devices.push_back(gloo_device(env, options));
      backend = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, env.rank, env.world_size, o);
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(
        fmt::format("rank {}: cannot connect to the other {} rank(s) (store at {}) within {} s: {}", env.rank,
                    env.world_size - 1, where, options.timeout_s, c10::GetExceptionString(e)));
  }
  return std::shared_ptr<Group>(new Group(env.rank, env.world_size, options.timeout_s, store, backend));
}

Group::Group(int rank, int size, double timeout_s, c10::intrusive_ptr<c10d::Store> store,
             c10::intrusive_ptr<c10d::ProcessGroup> backend)
    : rank_(rank), size_(size), timeout_s_(timeout_s), store_(std::move(store)), backend_(std::move(backend)) {}

c10::intrusive_ptr<c10d::Work> Group::start_allreduce_sum(torch::Tensor tensor) {
  std::vector<torch::Tensor> tensors{std::move(tensor)};
  try {
    return backend_->allreduce(tensors, c10d::AllreduceOptions{});
  } catch (const std::exception& e) {
    fail("all-reduce", c10::GetExceptionString(e));
  }
}

void Group::wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what) {
  try {
    work->wait();
  } catch (const std::exception& e) {
    fail(what, c10::GetExceptionString(e));
  }
}

void Group::allreduce_sum(torch::Tensor tensor, const std::string& what) {
  wait(start_allreduce_sum(std::move(tensor)), what);
}

void Group::broadcast(std::vector<torch::Tensor> tensors, int root, const std::string& what) {
  for (auto& t : tensors) {
    std::vector<torch::Tensor> one{t};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    try {
      wait(backend_->broadcast(one, o), what);
    } catch (const PeerFailure&) {
      throw;
    } catch (const std::exception& e) {
      fail(what, c10::GetExceptionString(e));
    }
  }
}

void Group::barrier(const std::string& what) {
  try {
    wait(backend_->barrier(c10d::BarrierOptions{}), what);
  } catch (const PeerFailure&) {
    throw;
  } catch (const std::exception& e) {
    fail(what, c10::GetExceptionString(e));
  }
}

// Every rank that sees a collective fail marks itself in the store; ranks that have not
// marked themselves after a short grace period are the ones that died or hang.
std::string Group::unresponsive_ranks() {
  try {
    store_->setTimeout(milliseconds(2000));
    store_->set(failed_key(rank_), std::vector<uint8_t>{1});
    std::vector<int> missing;
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(1500);
    do {
      missing.clear();
      for (int r = 0; r < size_; ++r) {
        if (!store_->check({failed_key(r)})) missing.push_back(r);
      }
      if (missing.empty()) break;
      std::this_thread::sleep_for(milliseconds(100));
    } while (std::chrono::steady_clock::now() < deadline);
    if (missing.empty()) return "every rank reported the failure";
    return fmt::format("rank{} {} did not answer (died or hung)", missing.size() > 1 ? "s" : "",
                       fmt::join(missing, ", "));
  } catch (const std::exception&) {
    return "the store is unreachable too (with --store tcp rank 0 serves it: rank 0 died or hung)";
  }
}

void Group::fail(const std::string& what, const std::string& cause) {
  std::string first_line = cause.substr(0, cause.find('\n'));
  const std::string suspects = unresponsive_ranks();
  throw PeerFailure(fmt::format("rank {} of {}: {} failed (timeout {} s): {}; {}", rank_, size_, what, timeout_s_,
                                suspects, first_line));
}

void broadcast_module(Group& group, torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> tensors;
  for (const auto& p : module.parameters()) tensors.push_back(p);
  for (const auto& b : module.buffers()) tensors.push_back(b);
  group.broadcast(tensors, 0, "broadcast of the parameters from rank 0");
}

void broadcast_buffers(Group& group, torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  group.broadcast(module.buffers(), 0, "broadcast of the buffers from rank 0");
}

}  // namespace distributed
}  // namespace wrpn
