#include "dist_flags.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

namespace wrpn {
namespace cli {

void DistFlags::add(CLI::App* app) {
  nproc_option = app->add_option("--nproc", nproc,
                                 "launch N local worker processes (data-parallel over c10d/Gloo; --batch-size is the "
                                 "global batch)");
  app->add_option("--store", options.store,
                  "how workers meet: tcp (rank 0 serves MASTER_ADDR:MASTER_PORT, default) or "
                  "file:PATH (one machine)");
  app->add_option("--dist-timeout", options.timeout_s,
                  "seconds a worker waits for the others in a rendezvous or collective before "
                  "stopping with an error naming the rank (default 60)");
  app->add_option("--dist-addr", options.local_addr,
                  "this machine's address (or host name) for the other ranks' connections (default: "
                  "GLOO_SOCKET_IFNAME's address, else the one it reaches MASTER_ADDR from)");
}

void DistFlags::validate() const {
  if (launching() && nproc < 1) {
    throw std::invalid_argument(fmt::format("--nproc must be >= 1, got {}", nproc));
  }
  options.validate();
}

std::vector<std::string> worker_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  size_t start = 0;
  while (start < all.size()) {
    const size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end - start));
    start = end == std::string::npos ? all.size() : end + 1;
  }
  std::vector<std::string> out;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--nproc") {
      ++i;  // and its value
      continue;
    }
    if (args[i].rfind("--nproc=", 0) == 0) continue;
    out.push_back(args[i]);
  }
  return out;
}

std::string self_executable() {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) throw std::runtime_error("cannot find this program's path (/proc/self/exe)");
  return std::string(path, size_t(n));
}

std::shared_ptr<distributed::Group> join_group_from_environment(const distributed::DistOptions& options) {
  const auto env = distributed::worker_env_from_environment();
  if (!env || env->world_size == 1) return nullptr;
  return distributed::Group::connect(*env, options);
}

}  // namespace cli
}  // namespace wrpn
