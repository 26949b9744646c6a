// Data-parallel training through the CLI, processes on 127.0.0.1 only: 2 processes x batch B
// give the weights of 1 process x batch 2B; a killed or hung worker stops the launcher
// within the timeout naming the rank; a run resumes with another process count; bad
// --nproc / environment values give one clear error.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <thread>

#include "../test_util.h"
#include "wrpn/distributed/launcher.h"
#include "wrpn/models/registry.h"
#include "wrpn/train/checkpoint.h"
#include "wrpn/train/trainer.h"

namespace wrpn {
namespace {

namespace fs = std::filesystem;
using testing_util::TempDir;
using Clock = std::chrono::steady_clock;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> split(const std::string& args) {
  std::istringstream in(args);
  std::vector<std::string> out;
  for (std::string a; in >> a;) out.push_back(a);
  return out;
}

// A `wrpn` process with extra environment variables, its output in files of `dir`.
struct Cli {
  pid_t pid = -1;
  std::string out_path, err_path;

  Cli(const std::string& args, const TempDir& dir, const std::string& tag,
      std::vector<std::pair<std::string, std::string>> env = {}) {
    out_path = dir.file(tag + ".out");
    err_path = dir.file(tag + ".err");
    std::vector<std::string> argv = {WRPN_CLI_PATH};
    for (auto& a : split(args)) argv.push_back(a);
    pid = ::fork();
    if (pid == 0) {
      for (const char* v : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"}) {
        ::unsetenv(v);
      }
      for (auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      if (!std::freopen(out_path.c_str(), "w", stdout) || !std::freopen(err_path.c_str(), "w", stderr)) {
        ::_exit(126);
      }
      std::vector<char*> p;
      for (auto& a : argv) p.push_back(a.data());
      p.push_back(nullptr);
      ::execv(p[0], p.data());
      ::_exit(127);
    }
  }
  // Exit code, or -signal; fails the test when still running after `limit_s`.
  int wait(double limit_s) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(int64_t(limit_s * 1000));
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        ADD_FAILURE() << "still running after " << limit_s << " s; stderr: " << err();
        return -1000;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  std::string out() const { return slurp(out_path); }
  // A test that stops early must not leave its run behind (the workers die with it).
  ~Cli() {
    int status = 0;
    if (pid > 0 && ::waitpid(pid, &status, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
  }
  std::string err() const { return slurp(err_path); }
};

// Child processes of `pid` (its workers), by their RANK.
std::map<int, pid_t> workers_of(pid_t pid) {
  std::map<int, pid_t> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    // /proc/PID/stat: "PID (comm) STATE PPID ..."; comm may hold spaces, not ')'.
    const std::string stat = slurp(entry.path().string() + "/stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    std::string state;
    pid_t parent = 0;
    fields >> state >> parent;
    if (parent != pid) continue;
    const pid_t child = std::stoi(name);
    const std::string env = slurp(fmt::format("/proc/{}/environ", child));
    std::istringstream vars(env);
    for (std::string var; std::getline(vars, var, '\0');) {
      if (var.rfind("RANK=", 0) == 0) out[std::stoi(var.substr(5))] = child;
    }
  }
  return out;
}

// Parameters of a run's checkpoint, by name.
std::map<std::string, torch::Tensor> checkpoint_parameters(const std::string& run) {
  const std::string path = train::checkpoint_path(run);
  const train::CheckpointMeta meta = train::read_checkpoint_meta(path);
  train::TrainConfig config;
  train::apply_json(config, meta.config, path);
  auto model = models::build_model(config.model);
  train::load_checkpoint(path, *model, nullptr);
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model->named_parameters()) out[p.key()] = p.value().detach().clone();
  return out;
}

// Largest |a - b| over all parameters, relative to the largest |a|.
double relative_difference(const std::map<std::string, torch::Tensor>& a,
                           const std::map<std::string, torch::Tensor>& b) {
  double diff = 0, scale = 0;
  for (const auto& [name, t] : a) {
    diff = std::max(diff, (t - b.at(name)).abs().max().item<double>());
    scale = std::max(scale, t.abs().max().item<double>());
  }
  return diff / scale;
}

std::vector<nlohmann::json> metrics(const std::string& run) {
  std::ifstream in(run + "/metrics.jsonl");
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

// An MLP (no batch norm) on 200 Fashion-MNIST images: 7 steps of a global batch of 32 per
// epoch, the last one 8 images (4 per rank), constant learning rate.
const std::string kMlpRun =
    "train --model mlp --limit-test 100 --batch-size 32 --lr 0.05 --schedule constant "
    "--seed 5 --threads 1 ";

// Float sums in a different order (per-rank partial sums, then the all-reduce) change the
// last bits of each gradient, ~1e-7 relative; after 14 SGD steps the weights agree to 1e-5.
constexpr double kSummationTolerance = 1e-5;

TEST(DistributedTraining, TwoProcessesOfBatchBMatchOneProcessOfBatch2B) {
  TempDir dir("dist-equal");
  Cli single(kMlpRun + "--limit-train 200 --epochs 2 --out " + dir.file("single"), dir, "single");
  ASSERT_EQ(single.wait(120), 0) << single.err();
  Cli pair(kMlpRun + "--limit-train 200 --epochs 2 --nproc 2 --dist-timeout 20 --out " + dir.file("pair"), dir, "pair");
  ASSERT_EQ(pair.wait(120), 0) << pair.err();
  const std::string printed = pair.out();
  EXPECT_NE(printed.find("on 2 processes"), std::string::npos) << printed;
  // Rank 0 alone prints: the start, what it computes on, one line per epoch, the end.
  EXPECT_EQ(std::count(printed.begin(), printed.end(), '\n'), 5) << printed;
  EXPECT_NE(printed.find("compute: BLAS: "), std::string::npos) << printed;

  const auto a = checkpoint_parameters(dir.file("single"));
  const auto b = checkpoint_parameters(dir.file("pair"));
  ASSERT_EQ(a.size(), b.size());
  const double rel = relative_difference(a, b);
  EXPECT_LT(rel, kSummationTolerance);
  std::printf("largest relative weight difference, 2 x 16 vs 1 x 32: %.3g\n", rel);
  // And the weights did move: the comparison is not of two initialisations.
  const auto m1 = metrics(dir.file("single")), m2 = metrics(dir.file("pair"));
  ASSERT_EQ(m1.size(), 2u);
  ASSERT_EQ(m2.size(), 2u);
  for (size_t e = 0; e < 2; ++e) {
    EXPECT_NEAR(m1[e]["train_loss"].get<double>(), m2[e]["train_loss"].get<double>(), 1e-4);
    // At most one of the 100 test images on the other side of a decision boundary.
    EXPECT_NEAR(m1[e]["test_acc"].get<double>(), m2[e]["test_acc"].get<double>(), 1.0 + 1e-9);
  }
  EXPECT_LT(m1[1]["train_loss"].get<double>(), m1[0]["train_loss"].get<double>());
  EXPECT_GT(m1[1]["test_acc"].get<double>(), 50.0);
}

// How a rank of --nproc names its host: this machine's name, at the loopback address.
std::string local_host() {
  char name[256] = {};
  ::gethostname(name, sizeof(name) - 1);
  return std::string(name) + " at 127.0.0.1";
}

// The launcher's two workers once rank 0 has started training (it writes config.json after
// joining the group), plus a moment so both are inside a step.
std::map<int, pid_t> wait_until_training(const Cli& run, const TempDir& dir) {
  const auto start = Clock::now();
  std::map<int, pid_t> workers;
  while ((workers.size() < 2 || !fs::exists(dir.file("run/config.json"))) &&
         Clock::now() - start < std::chrono::seconds(60)) {
    workers = workers_of(run.pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  return workers;
}

TEST(DistributedTraining, KilledWorkerStopsTheLauncherNamingItsRank) {
  TempDir dir("dist-kill");
  const double timeout = 5;
  Cli run(kMlpRun + "--limit-train 4000 --epochs 50 --nproc 2 --dist-timeout 5 --out " + dir.file("run"), dir, "run");
  const std::map<int, pid_t> workers = wait_until_training(run, dir);
  ASSERT_EQ(workers.size(), 2u);
  const auto killed_at = Clock::now();
  ASSERT_EQ(::kill(workers.at(1), SIGKILL), 0);
  const int code = run.wait(timeout + 10);
  const double took = std::chrono::duration<double>(Clock::now() - killed_at).count();
  EXPECT_NE(code, 0);
  EXPECT_LT(took, timeout);  // a dead peer is noticed at once, not after the timeout
  const std::string err = run.err();
  std::printf("launcher exited %d, %.1f s after the kill:\n%s", code, took, err.c_str());
  EXPECT_NE(err.find("rank 1 (pid " + std::to_string(workers.at(1)) + ") failed with signal 9"), std::string::npos)
      << err;
  // Rank 0's own error names the rank that went away and where it ran.
  EXPECT_NE(err.find("rank 0 of 2 (host " + local_host() + "): "), std::string::npos) << err;
  EXPECT_NE(err.find("rank 1 (host " + local_host() + ") did not answer"), std::string::npos) << err;
}

TEST(DistributedTraining, HungWorkerIsNamedAfterTheTimeout) {
  TempDir dir("dist-hang");
  const double timeout = 3;
  Cli run(kMlpRun + "--limit-train 4000 --epochs 50 --nproc 2 --dist-timeout 3 --out " + dir.file("run"), dir, "run");
  const std::map<int, pid_t> workers = wait_until_training(run, dir);
  ASSERT_EQ(workers.size(), 2u);
  const auto stopped_at = Clock::now();
  ASSERT_EQ(::kill(workers.at(1), SIGSTOP), 0);
  // Rank 0 gives up after the timeout (+1.5 s asking the store who answered), the launcher
  // waits its grace period (3 s) for rank 1 to stop by itself, then kills it (+4 s of slack
  // for a loaded machine).
  const int code = run.wait(timeout + 15);
  const double took = std::chrono::duration<double>(Clock::now() - stopped_at).count();
  EXPECT_NE(code, 0);
  EXPECT_GT(took, timeout);
  EXPECT_LT(took, timeout + 1.5 + 3 + 4);
  const std::string err = run.err();
  std::printf("launcher exited %d, %.1f s after SIGSTOP:\n%s", code, took, err.c_str());
  EXPECT_NE(err.find("rank 1 stopped responding"), std::string::npos) << err;
  EXPECT_NE(err.find("rank 1 (host " + local_host() + ") did not answer"), std::string::npos) << err;
}

TEST(DistributedTraining, ResumesWithADifferentProcessCount) {
  TempDir dir("dist-resume");
  const std::string args = kMlpRun + "--limit-train 1000 --epochs 3 ";
  // Uninterrupted, one process.
  Cli whole(args + "--out " + dir.file("whole"), dir, "whole");
  ASSERT_EQ(whole.wait(120), 0) << whole.err();
  // 2 processes through a file store, stopped hard after the first checkpoint ...
  Cli first(args + "--nproc 2 --store file:" + dir.file("store") + " --out " + dir.file("run"), dir, "first");
  const std::string ckpt = train::checkpoint_path(dir.file("run"));
  const auto start = Clock::now();
  while (!fs::exists(ckpt) && Clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(first.pid, SIGKILL);  // its workers die with it
  first.wait(10);
  ASSERT_EQ(train::read_checkpoint_meta(ckpt).epochs_done, 1);
  // ... resumed by 3 processes (global batch 32 -> 11, 11, 10 per rank).
  Cli resumed("train --resume --nproc 3 --dist-timeout 20 --out " + dir.file("run"), dir, "resumed");
  ASSERT_EQ(resumed.wait(120), 0) << resumed.err();
  EXPECT_NE(resumed.out().find("epoch   2/3"), std::string::npos) << resumed.out();
  EXPECT_EQ(resumed.out().find("epoch   1/3"), std::string::npos) << resumed.out();

  const auto m = metrics(dir.file("run"));
  ASSERT_EQ(m.size(), 3u);
  for (size_t e = 0; e < 3; ++e) EXPECT_EQ(m[e]["epoch"], int64_t(e + 1));
  const auto w = metrics(dir.file("whole"));
  EXPECT_NEAR(m[2]["test_acc"].get<double>(), w[2]["test_acc"].get<double>(), 1.0);
  EXPECT_GT(m[2]["test_acc"].get<double>(), 60.0);
  // 96 steps in all, against the single process: still the same run up to summation order.
  const double rel =
      relative_difference(checkpoint_parameters(dir.file("whole")), checkpoint_parameters(dir.file("run")));
  EXPECT_LT(rel, 1e-4);
  std::printf("largest relative weight difference, 1 process vs 2 then 3: %.3g\n", rel);
}

void expect_one_clear_error(const std::string& args, const std::string& expected,
                            std::vector<std::pair<std::string, std::string>> env = {}) {
  TempDir dir("dist-bad");
  Cli run(args + " --limit-train 64 --limit-test 64 --epochs 1 --threads 1 --out " + dir.file("run"), dir, "bad", env);
  const int code = run.wait(30);
  EXPECT_NE(code, 0) << args;
  std::string err = run.err();
  while (!err.empty() && err.front() == '\n') err.erase(err.begin());
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << args << "\n" << err;
  EXPECT_NE(err.find(expected), std::string::npos) << args << "\nstderr: " << err;
}

TEST(DistributedTraining, BadProcessCountsAndEnvironmentGiveOneClearError) {
  expect_one_clear_error("train --nproc 0", "--nproc must be >= 1, got 0");
  expect_one_clear_error("train --nproc -2", "--nproc must be >= 1, got -2");
  expect_one_clear_error("train --dist-timeout 0", "--dist-timeout must be in (0, 86400] seconds, got 0");
  expect_one_clear_error("train --store nfs", "--store must be 'tcp' or 'file:PATH', got 'nfs'");
  const std::pair<std::string, std::string> addr{"MASTER_ADDR", "127.0.0.1"};
  expect_one_clear_error("train", "RANK must be an integer in 0..1, got 'x'",
                         {{"RANK", "x"}, {"WORLD_SIZE", "2"}, addr, {"MASTER_PORT", "29500"}});
  expect_one_clear_error("train", "RANK must be an integer in 0..1, got '2'",
                         {{"RANK", "2"}, {"WORLD_SIZE", "2"}, addr, {"MASTER_PORT", "29500"}});
  expect_one_clear_error("train", "WORLD_SIZE must be an integer in 1..1048576, got '0'",
                         {{"RANK", "0"}, {"WORLD_SIZE", "0"}, addr, {"MASTER_PORT", "29500"}});
  expect_one_clear_error("train", "MASTER_PORT must be an integer in 1..65535, got '70000'",
                         {{"RANK", "0"}, {"WORLD_SIZE", "2"}, addr, {"MASTER_PORT", "70000"}});
  expect_one_clear_error("train", "MASTER_ADDR is not set",
                         {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "29500"}});
  // Nobody serves the store: rank 1 gives up after the timeout, naming the address.
  const std::string port = std::to_string(distributed::pick_free_port());
  expect_one_clear_error("train --dist-timeout 1",
                         "rank 1: cannot meet the other 1 rank(s) through the store at MASTER_ADDR:MASTER_PORT = "
                         "127.0.0.1:" +
                             port + " within 1 s",
                         {{"RANK", "1"}, {"WORLD_SIZE", "2"}, addr, {"MASTER_PORT", port}});
}

}  // namespace
}  // namespace wrpn
