#include "sweep_runner.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <csignal>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "wrpn/train/atomic_file.h"
#include "wrpn/train/progress.h"
#include "wrpn/train/trainer.h"

namespace wrpn {
namespace cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool finished(const measure::SweepRun& run) { return fs::exists(run.config.out + "/result.json"); }

// Forks `wrpn train` for one run, its output appended to <run>/train.log.
pid_t launch(const measure::SweepRun& run, const SweepRunnerOptions& o) {
  fs::create_directories(run.config.out);
  const bool resume = fs::exists(train::checkpoint_path(run.config.out));
  std::vector<std::string> args = {o.executable, "train"};
  if (resume) {
    args.insert(args.end(), {"--resume", "--out", run.config.out});
  } else {
    const std::string config = run.config.out + "/run.json";
    train::write_file_atomically(config, train::to_json(run.config).dump(2) + "\n");
    args.insert(args.end(), {"--config", config});
  }
  args.insert(args.end(), {"--threads", std::to_string(o.threads_per_job)});
  const std::string log = run.config.out + "/train.log";
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(fmt::format("cannot start sweep run {}", run.id));
  if (pid == 0) {
    // A run must not outlive a killed sweep: the sweep started again would resume it beside
    // the orphan, two trainers in one run folder.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // The binary this sweep runs, even when a rebuild has replaced the file since it started
    // (the path then names the new one, or nothing while the linker writes it).
    ::execv("/proc/self/exe", argv.data());
    ::execv(o.executable.c_str(), argv.data());
    const std::string why = fmt::format("cannot run {}: {}\n", o.executable, std::strerror(errno));
    if (::write(STDERR_FILENO, why.data(), why.size()) < 0) ::_exit(127);
    ::_exit(127);
  }
  return pid;
}

measure::RunResult collect(const measure::SweepRun& run) {
  std::ifstream in(run.config.out + "/metrics.jsonl");
  std::string line, last;
  measure::RunResult r;
  r.run = run;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last = line;
    r.seconds += nlohmann::json::parse(line).value("epoch_seconds", 0.0);
  }
  if (last.empty()) throw std::runtime_error(fmt::format("sweep run {} wrote no metrics", run.id));
  const auto m = nlohmann::json::parse(last);
  r.test_acc = m["test_acc"];
  r.test_loss = m["test_loss"];
  if (m.contains("val_acc")) r.val_acc = m["val_acc"];
  r.epochs = m["epoch"];
  if (r.epochs != run.config.epochs) {
    throw std::runtime_error(
        fmt::format("sweep run {} stopped at epoch {} of {}", run.id, r.epochs, run.config.epochs));
  }
  measure::write_run_result(r);
  return r;
}

}  // namespace

std::string invocation() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string out = "wrpn";
  size_t start = raw.find('\0');  // skip the executable path
  while (start != std::string::npos && start + 1 < raw.size()) {
    const size_t end = raw.find('\0', start + 1);
    out += " " + raw.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
    start = end;
  }
  return out;
}

std::vector<measure::RunResult> run_sweep(const std::vector<measure::SweepRun>& runs, const SweepRunnerOptions& o) {
  std::vector<const measure::SweepRun*> queue;
  size_t done = 0;
  for (const auto& r : runs) {
    if (finished(r)) {
      ++done;
    } else {
      queue.push_back(&r);
    }
  }
  if (o.verbose) {
    fmt::print("{}: {} runs, {} already finished, {} to run ({} at a time, {} threads each)\n", o.label, runs.size(), done,
               queue.size(), o.jobs, o.threads_per_job);
    std::fflush(stdout);
  }
  std::map<pid_t, const measure::SweepRun*> running;
  size_t next = 0, finished_now = 0;
  const auto start = Clock::now();
  std::string failure;
  while (next < queue.size() || !running.empty()) {
    while (failure.empty() && next < queue.size() && int(running.size()) < o.jobs) {
      running[launch(*queue[next], o)] = queue[next];
      ++next;
    }
    if (running.empty()) break;
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) break;
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const measure::SweepRun& run = *it->second;
    running.erase(it);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (failure.empty()) {
        failure = fmt::format("sweep run {} failed (exit status {}); see {}/train.log", run.id,
                              WIFEXITED(status) ? WEXITSTATUS(status) : -1, run.config.out);
      }
      continue;
    }
    const measure::RunResult r = collect(run);
    ++done;
    ++finished_now;
    if (o.verbose) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const double eta = elapsed / double(finished_now) * double(queue.size() - finished_now);
      const std::string val = std::isnan(r.val_acc) ? "" : fmt::format("val acc {:6.2f}%  ", r.val_acc);
      fmt::print("{}: {}/{} runs done  {:<28} {}test acc {:6.2f}%  ETA {}\n", o.label, done, runs.size(), run.id, val,
                 r.test_acc, train::format_duration(eta));
      std::fflush(stdout);
    }
  }
  if (!failure.empty()) throw std::runtime_error(failure);
  std::vector<measure::RunResult> results;
  for (const auto& r : runs) results.push_back(measure::read_run_result(r));
  return results;
}

}  // namespace cli
}  // namespace wrpn
