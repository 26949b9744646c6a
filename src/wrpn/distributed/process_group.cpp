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

#include <arpa/inet.h>
#include <gloo/transport/tcp/device.h>
#include <glog/logging.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
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

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string numeric_address(const sockaddr_storage& ss) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, text, sizeof(text));
  } else if (ss.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, text, sizeof(text));
  }
  return text;
}

// The address this machine sends from towards `host`, "" when there is no route. A UDP
// connect() only looks the route up; nothing is sent.
std::string source_address_towards(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return "";
  std::string out;
  for (const addrinfo* a = found; a != nullptr && out.empty(); a = a->ai_next) {
    const int fd = ::socket(a->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    sockaddr_storage local{};
    socklen_t len = sizeof(local);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
      out = numeric_address(local);
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return out;
}

// The device Gloo connects the ranks over, and the numeric address it listens on.
struct GlooEndpoint {
  std::shared_ptr<::gloo::transport::Device> device;
  std::string address;
};

// --dist-addr when given; else GLOO_SOCKET_IFNAME's address (as in PyTorch); else loopback
// with a file store (one machine); else the address of the route towards MASTER_ADDR. Not
// Gloo's default, the address the hostname resolves to: that is often 127.0.0.1 (Debian's
// /etc/hosts, containers, network namespaces), and the other ranks would then connect to
// themselves.
GlooEndpoint gloo_endpoint(const WorkerEnv& env, const DistOptions& options) {
  ::gloo::transport::tcp::attr attr;
  std::string source;
  if (!options.local_addr.empty()) {
    attr.hostname = options.local_addr;
    source = fmt::format("--dist-addr {}", options.local_addr);
  } else if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
    attr.iface = ifname;
    source = fmt::format("GLOO_SOCKET_IFNAME={}", ifname);
  } else if (options.store != "tcp") {
    attr.hostname = "127.0.0.1";
    source = "127.0.0.1 (a file store: one machine; set --dist-addr for several)";
  } else {
    attr.hostname = source_address_towards(env.master_addr, env.master_port);
    if (attr.hostname.empty()) {
      throw std::runtime_error(fmt::format(
          "no route from this machine to MASTER_ADDR {} (set --dist-addr or GLOO_SOCKET_IFNAME)", env.master_addr));
    }
    source = fmt::format("{}, this machine's address towards MASTER_ADDR {} (else set --dist-addr)", attr.hostname,
                         env.master_addr);
  }
  try {
    const auto resolved = ::gloo::transport::tcp::CreateDeviceAttr(attr);
    return {::gloo::transport::tcp::CreateDevice(attr), numeric_address(resolved.ai_addr)};
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("cannot listen for the other ranks on {}: {}", source, first_line(e.what())));
  }
}

std::string this_hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "?";
  return name;
}

std::string host_key(int rank) { return fmt::format("wrpn/host/{}", rank); }
// Set for a rank when another one reports a failure (or when the rank itself stops).
std::string wake_key(int rank) { return fmt::format("wrpn/wake/{}", rank); }
std::string failed_key(int rank) { return fmt::format("wrpn/failed/{}", rank); }

}  // namespace

// With a TCP store, a thread of each rank blocks on its own store connection until its wake
// key is set (another rank failed, or this group is being destroyed) or the store goes away.
// A file store is one machine's, under the launcher, which stops the ranks itself.
struct Group::Watch {
  enum News { kNone, kPeerReported, kStoreLost };
  std::atomic<int> news{kNone};
  std::atomic<bool> stopping{false};
  std::thread thread;
};

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
  const bool nccl =
#ifdef USE_C10D_NCCL
      torch::cuda::is_available();
#else
      false;
#endif
  GlooEndpoint endpoint;
  if (!nccl) {
    try {
      endpoint = gloo_endpoint(env, options);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("rank {}: {}", env.rank, e.what()));
    }
  }
  const std::string address = nccl ? source_address_towards(env.master_addr, env.master_port) : endpoint.address;
  c10::intrusive_ptr<c10d::ProcessGroup> backend;
  // Each group gets its own key space, so that a store can outlive one group.
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("wrpn", store);
  std::vector<std::string> hosts;
  try {
    // Where each rank runs, for the messages that name it: set before the group is formed,
    // so every rank's is there once it is.
    const std::string label = fmt::format("{} at {}", this_hostname(), address.empty() ? "?" : address);
    store->set(host_key(env.rank), std::vector<uint8_t>(label.begin(), label.end()));
#ifdef USE_C10D_NCCL
    if (nccl) {
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, env.rank, env.world_size, o);
    }
#endif
    if (!backend) {
      auto o = c10d::ProcessGroupGloo::Options::create(timeout);
      o->devices.push_back(endpoint.device);
      backend = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, env.rank, env.world_size, o);
    }
    for (int r = 0; r < env.world_size; ++r) {
      const auto bytes = store->get(host_key(r));
      hosts.emplace_back(bytes.begin(), bytes.end());
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(
        fmt::format("rank {}: cannot connect to the other {} rank(s) (store at {}) within {} s: {}", env.rank,
                    env.world_size - 1, where, options.timeout_s, c10::GetExceptionString(e)));
  }
  const std::string store_owner = options.store == "tcp"
                                      ? fmt::format(
                                            "the store at {}:{} (rank 0 (host {}) serves it: rank 0 died or "
                                            "hung, or this host lost its network)",
                                            env.master_addr, env.master_port, hosts[0])
                                      : fmt::format("the store {}", options.store);
  auto group = std::shared_ptr<Group>(
      new Group(env.rank, env.world_size, options.timeout_s, store, backend, std::move(hosts), store_owner));
  if (options.store == "tcp") {
    c10d::TCPStoreOptions o;
    o.port = uint16_t(env.master_port);
    o.isServer = false;
    o.waitWorkers = false;
    o.timeout = timeout;
    try {
      auto own = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
      auto watch = std::make_shared<Watch>();
      watch->thread = std::thread([watch, own, key = wake_key(env.rank)]() {
        int news = Watch::kPeerReported;
        try {
          own->wait({key}, c10d::Store::kNoTimeout);
        } catch (const std::exception&) {
          news = Watch::kStoreLost;
        }
        if (!watch->stopping) watch->news = news;
      });
      group->watch_ = std::move(watch);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("rank {}: cannot open a second connection to the store at {}: {}", env.rank,
                                           where, c10::GetExceptionString(e)));
    }
  }
  return group;
}

Group::Group(int rank, int size, double timeout_s, c10::intrusive_ptr<c10d::Store> store,
             c10::intrusive_ptr<c10d::ProcessGroup> backend, std::vector<std::string> hosts, std::string store_owner)
    : rank_(rank),
      size_(size),
      timeout_s_(timeout_s),
      hosts_(std::move(hosts)),
      store_owner_(std::move(store_owner)),
      store_(std::move(store)),
      backend_(std::move(backend)) {}

Group::~Group() {
  if (!watch_ || !watch_->thread.joinable()) return;
  watch_->stopping = true;
  try {
    store_->set(wake_key(rank_), std::vector<uint8_t>{1});
    watch_->thread.join();
  } catch (const std::exception&) {
    watch_->thread.detach();  // the store is gone, and the thread's wait with it
  }
}

std::string Group::named(int rank) const { return fmt::format("rank {} (host {})", rank, host(rank)); }

c10::intrusive_ptr<c10d::Work> Group::start_allreduce_sum(torch::Tensor tensor) {
  std::vector<torch::Tensor> tensors{std::move(tensor)};
  try {
    return backend_->allreduce(tensors, c10d::AllreduceOptions{});
  } catch (const std::exception& e) {
    fail("all-reduce", c10::GetExceptionString(e));
  }
}

void Group::wait(const c10::intrusive_ptr<c10d::Work>& work, const std::string& what) {
  // In slices, to hear of another rank's failure; a slice that ends early is the work's end.
  const milliseconds slice(100);
  try {
    for (bool warned = false; !work->isCompleted();) {
      const int news = watch_ ? watch_->news.load() : Watch::kNone;
      if (news != Watch::kNone) {
        // The last collective may still be finishing here while a faster rank already left.
        if (warned) {
          fail(what, news == Watch::kPeerReported ? "another rank reported a failure first"
                                                  : "this rank's connection to the store closed");
        }
        warned = true;
      }
      try {
        work->wait(news == Watch::kNone ? slice : milliseconds(500));
      } catch (const std::exception&) {
        // The slice ran out, or the work failed: isCompleted() tells.
      }
    }
    work->wait();
  } catch (const PeerFailure&) {
    throw;
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
// marked themselves after a short grace period are the ones that died or hang. The store is
// asked from a thread of its own, given up on after a bound: a TCPStore whose host was cut
// off blocks in recv for the whole timeout.
std::string Group::unresponsive_ranks() {
  struct Answer {
    std::mutex mutex;
    std::condition_variable done;
    bool answered = false;
    std::optional<std::vector<int>> missing;  // nullopt: the store failed
  };
  auto answer = std::make_shared<Answer>();
  std::thread([answer, store = store_, rank = rank_, size = size_]() {
    std::optional<std::vector<int>> missing;
    try {
      store->setTimeout(milliseconds(2000));
      store->set(failed_key(rank), std::vector<uint8_t>{1});
      for (int r = 0; r < size; ++r) {
        if (r != rank) store->set(wake_key(r), std::vector<uint8_t>{1});
      }
      std::vector<int> m;
      const auto deadline = std::chrono::steady_clock::now() + milliseconds(1500);
      do {
        m.clear();
        for (int r = 0; r < size; ++r) {
          if (!store->check({failed_key(r)})) m.push_back(r);
        }
        if (m.empty()) break;
        std::this_thread::sleep_for(milliseconds(100));
      } while (std::chrono::steady_clock::now() < deadline);
      missing = std::move(m);
    } catch (const std::exception&) {
    }
    std::lock_guard<std::mutex> lock(answer->mutex);
    answer->missing = std::move(missing);
    answer->answered = true;
    answer->done.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(answer->mutex);
  answer->done.wait_for(lock, milliseconds(4000), [&] { return answer->answered; });
  if (!answer->answered || !answer->missing) return store_owner_ + " is unreachable too";
  const std::vector<int>& missing = *answer->missing;
  if (missing.empty()) return "every rank reported the failure";
  std::vector<std::string> names;
  for (int r : missing) names.push_back(named(r));
  return fmt::format("{} did not answer (died or hung)", fmt::join(names, ", "));
}

void Group::fail(const std::string& what, const std::string& cause) {
  const std::string suspects = unresponsive_ranks();
  throw PeerFailure(fmt::format("rank {} of {} (host {}): {} failed (timeout {} s): {}; {}", rank_, size_, host(rank_),
                                what, timeout_s_, suspects, first_line(cause)));
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
