#include "wrpn/distributed/launcher.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <stdexcept>
#include <thread>

#include "wrpn/distributed/process_group.h"

namespace wrpn {
namespace distributed {
namespace {

using Clock = std::chrono::steady_clock;

pid_t start_worker(const LaunchOptions& o, int rank, int port) {
  std::vector<std::string> args = {o.executable};
  args.insert(args.end(), o.args.begin(), o.args.end());
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("cannot start worker rank {}", rank));
  if (pid == 0) {
    // A worker must not outlive its launcher.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setenv("RANK", std::to_string(rank).c_str(), 1);
    ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
    ::setenv("WORLD_SIZE", std::to_string(o.nproc).c_str(), 1);
    ::setenv("MASTER_ADDR", "127.0.0.1", 1);
    ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(o.executable.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

bool succeeded(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
bool noticed_peer_failure(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == kPeerFailureExitCode; }

}  // namespace

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return fmt::format("signal {} ({})", WTERMSIG(status), ::strsignal(WTERMSIG(status)));
  }
  return fmt::format("wait status {}", status);
}

int pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("cannot open a socket to find a free port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot find a free TCP port on 127.0.0.1");
  return ntohs(addr.sin_port);
}

LaunchResult launch_workers(const LaunchOptions& o) {
  if (o.nproc < 1) {
    throw std::invalid_argument(fmt::format("--nproc must be >= 1, got {}", o.nproc));
  }
  const int port = o.master_port > 0 ? o.master_port : pick_free_port();
  std::map<pid_t, int> running;  // pid -> rank
  for (int rank = 0; rank < o.nproc; ++rank) running[start_worker(o, rank, port)] = rank;

  LaunchResult result;
  const auto grace = std::chrono::milliseconds(int64_t(o.grace_s * 1000));
  std::vector<std::string> noticed;  // ranks that stopped on a peer failure
  Clock::time_point noticed_at{}, kill_at = Clock::time_point::max();
  while (!running.empty()) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0) break;
    if (pid == 0) {
      const auto now = Clock::now();
      if (result.failure.empty() && !noticed.empty() && now >= noticed_at + grace) {
        // Their peers gave up on these ranks and they still run: they hang.
        std::vector<int> hung;
        for (const auto& [p, rank] : running) hung.push_back(rank);
        result.failure = fmt::format(
            "rank{} {} stopped responding: {} timed out or lost the connection waiting for it; "
            "killed {} s later",
            hung.size() > 1 ? "s" : "", fmt::join(hung, ", "), fmt::join(noticed, ", "), o.grace_s);
        kill_at = now;
      }
      if (now >= kill_at) {
        for (const auto& [p, rank] : running) ::kill(p, SIGKILL);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const int rank = it->second;
    running.erase(it);
    if (succeeded(status) || !result.failure.empty()) continue;
    if (noticed_peer_failure(status)) {
      if (noticed.empty()) noticed_at = Clock::now();
      noticed.push_back(fmt::format("rank {}", rank));
      if (running.empty()) {
        result.failure =
            fmt::format("{} stopped on a peer failure and no rank is left running", fmt::join(noticed, ", "));
      }
      continue;
    }
    // This rank failed by itself. The others get the grace period to report the lost peer
    // in their own words, then they are killed.
    result.failure = fmt::format("rank {} (pid {}) failed with {}; the other rank(s) were stopped", rank, pid,
                                 describe_wait_status(status));
    kill_at = Clock::now() + grace;
  }
  if (!result.failure.empty()) result.exit_code = 1;
  return result;
}

}  // namespace distributed
}  // namespace wrpn
