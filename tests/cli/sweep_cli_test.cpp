// `wrpn sweep` end to end: a sweep killed in the middle of a run and restarted finishes with
// exactly the runs and results of an uninterrupted sweep; bad grids are rejected clearly.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "../test_util.h"

namespace wrpn {
namespace {

namespace fs = std::filesystem;
using testing_util::TempDir;

const std::string kGrid =
    " --models lenet5 --widths 1 --precisions 32/32,2/2 --seeds 1,2 --epochs 3"
    " --limit-train 1200 --limit-test 300 --batch-size 100 --threads 1 --no-plots";

int run_sweep(const std::string& out) {
  const std::string cmd = std::string(WRPN_CLI_PATH) + " sweep" + kGrid + " --out " + out + " >" + out + ".log 2>&1";
  return std::system(cmd.c_str());
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

int count_lines(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}

TEST(SweepCli, InterruptedAndRestartedEqualsUninterrupted) {
  TempDir dir("sweep");
  const std::string straight = dir.file("straight");
  ASSERT_EQ(run_sweep(straight), 0);

  // Start the same sweep in its own process group and kill the whole group once the second
  // run has written its first epoch (it is then between checkpoints, not finished).
  const std::string interrupted = dir.file("interrupted");
  const std::string second_run = interrupted + "/runs/lenet5-w1-32-32-s2";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setpgid(0, 0);
    _exit(run_sweep(interrupted) == 0 ? 0 : 1);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (count_lines(second_run + "/metrics.jsonl") < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(fs::exists(interrupted + "/runs/lenet5-w1-32-32-s1/result.json"));
  ASSERT_FALSE(fs::exists(second_run + "/result.json")) << "killed too late to test resume";
  ASSERT_FALSE(fs::exists(interrupted + "/summary.json"));

  ASSERT_EQ(run_sweep(interrupted), 0);
  // Restarting a finished sweep runs nothing and changes nothing.
  ASSERT_EQ(run_sweep(interrupted), 0);

  const auto a = read_json(straight + "/summary.json");
  const auto b = read_json(interrupted + "/summary.json");
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 2u);
  for (const auto& id : {"lenet5-w1-32-32-s1", "lenet5-w1-32-32-s2", "lenet5-w1-2-2-s1", "lenet5-w1-2-2-s2"}) {
    const auto ra = read_json(straight + "/runs/" + id + "/result.json");
    const auto rb = read_json(interrupted + "/runs/" + id + "/result.json");
    EXPECT_EQ(ra["test_acc"], rb["test_acc"]) << id;
    EXPECT_EQ(ra["test_loss"], rb["test_loss"]) << id;
    EXPECT_EQ(count_lines(interrupted + "/runs/" + id + "/metrics.jsonl"), 3) << id;
  }
  for (const char* f : {"summary.csv", "summary.md"}) EXPECT_TRUE(fs::exists(straight + "/" + f));
}

TEST(SweepCli, BadGridsRejected) {
  const auto run = [](const std::string& args) {
    return std::system((std::string(WRPN_CLI_PATH) + " sweep " + args + " >/dev/null 2>&1").c_str());
  };
  EXPECT_NE(run("--models nosuchnet"), 0);
  EXPECT_NE(run("--precisions 0/4"), 0);
  EXPECT_NE(run("--precisions 4/9"), 0);
  EXPECT_NE(run("--widths 0"), 0);
  EXPECT_NE(run("--jobs 0"), 0);
}

}  // namespace
}  // namespace wrpn
