// `wrpn search` end to end on a tiny model and budget: it finishes, trains nothing that breaks
// the budget, writes the Pareto front and a config `wrpn train --config` runs, and a search
// killed in the middle and restarted gives the same answer as an uninterrupted one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_util.h"

namespace wrpn {
namespace {

namespace fs = std::filesystem;

// lenet5's first conv (32-bit) is 31% of its bit-operations: under 0.33 only 1x fits.
const std::string kSearch =
    " --model lenet5 --widths 1,2 --precisions 4/4,2/2 --stages conv2,fc1 --stage-precisions 8/8"
    " --max-bit-ops 0.33 --max-weight-bytes 0.5 --proxy-images 600 --proxy-epochs 1 --top 2"
    " --epochs 1 --limit-train 1200 --limit-test 300 --batch-size 100 --threads 1";

int run_search(const std::string& out) {
  const std::string cmd = std::string(WRPN_CLI_PATH) + " search" + kSearch + " --out " + out + " >" + out + ".log 2>&1";
  return std::system(cmd.c_str());
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(SearchCli, RespectsTheBudgetAndResumesAfterSigkillWithTheSameAnswer) {
  TempDir dir("search");
  const std::string straight = dir.file("straight");
  ASSERT_EQ(run_search(straight), 0) << slurp(straight + ".log");
  const nlohmann::json a = read_json(straight + "/search.json");

  int within = 0, proxied = 0, full = 0;
  for (const auto& c : a["candidates"]) {
    const std::string id = c["id"];
    const bool ran = fs::exists(straight + "/proxy/" + id);
    EXPECT_EQ(ran, c["within_budget"].get<bool>()) << id << ": trained iff within the budget";
    within += c["within_budget"].get<bool>();
    proxied += !c["proxy_acc"].is_null();
    full += !c["full_acc"].is_null();
    if (c["within_budget"]) {
      EXPECT_LE(c["cost"]["bit_ops"].get<double>(), 0.33) << id;
      EXPECT_LE(c["cost"]["weight_bytes"].get<double>(), 0.5) << id;
    } else {
      EXPECT_FALSE(c["over_budget"].get<std::string>().empty()) << id;
    }
  }
  EXPECT_EQ(a["candidates"].size(), 8u);  // 2 widths x 2 precisions, then 2 stages at 8/8 and at 2x
  EXPECT_EQ(a["validation_fraction"], 0.1) << "ranked on a held-out tail of the training set by default";
  EXPECT_GE(within, 3);
  EXPECT_EQ(proxied, within);
  EXPECT_EQ(full, 3);  // the best 2 by the proxy and the best uniform one
  EXPECT_TRUE(a["best_uniform"].is_string());
  ASSERT_TRUE(a["chosen"].is_string());
  for (const auto& c : a["candidates"]) {
    if (c["id"] == a["chosen"]) {
      EXPECT_TRUE(c["within_budget"].get<bool>());
      EXPECT_GT(c["full_acc"].get<double>(), 30.0) << "1 epoch on 1,200 images beats chance";
      EXPECT_GT(c["full_test_acc"].get<double>(), 30.0) << "and its test accuracy is reported";
      const std::string metrics = slurp(straight + "/full/" + c["id"].get<std::string>() + "/metrics.jsonl");
      EXPECT_NE(metrics.find("\"val_acc\":" + c["full_acc"].dump()), std::string::npos) << metrics;
    }
  }
  for (const char* f : {"search.md", "pareto.svg", "chosen.json"}) EXPECT_TRUE(fs::exists(straight + "/" + f)) << f;
  EXPECT_NE(slurp(straight + "/pareto.svg").find("<polyline"), std::string::npos);

  // The chosen configuration trains as it is.
  const std::string rerun = dir.file("rerun");
  const CliResult t = run_cli("train --config " + straight + "/chosen.json --out " + rerun);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(read_json(rerun + "/config.json")["model"], "lenet5");

  // Killed while the proxies train (their process group with it), then restarted.
  const std::string interrupted = dir.file("interrupted");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setpgid(0, 0);
    _exit(run_search(interrupted) == 0 ? 0 : 1);
  }
  const std::string second = interrupted + "/proxy/w1-2-2-wrpn";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!fs::exists(second) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_FALSE(fs::exists(interrupted + "/search.json")) << "killed too late to test resume";
  ASSERT_EQ(run_search(interrupted), 0) << slurp(interrupted + ".log");
  const nlohmann::json b = read_json(interrupted + "/search.json");
  EXPECT_EQ(a["candidates"], b["candidates"]);
  EXPECT_EQ(a["chosen"], b["chosen"]);
  EXPECT_EQ(a["proxy_full_spearman"], b["proxy_full_spearman"]);
}

// --min-speedup measures the runtime of what the priced budgets let through, keeps the figures in
// speeds.json and marks the slow ones; a resumed search reads them back instead of measuring.
TEST(SearchCli, TheSpeedBudgetIsMeasuredOnceAndHonoured) {
  TempDir dir("search-speed");
  const std::string out = dir.file("s");
  const std::string cmd = std::string(WRPN_CLI_PATH) +
                          " search --model lenet5 --widths 1,2 --precisions 2/2 --stages fc1 --stage-precisions 8/8"
                          " --stage-widths 1 --min-speedup 0.01 --proxy-images 300 --top 1 --epochs 1"
                          " --limit-train 600 --limit-test 200 --batch-size 100 --threads 1 --out " + out;
  ASSERT_EQ(std::system((cmd + " >" + out + ".log 2>&1").c_str()), 0) << slurp(out + ".log");
  const nlohmann::json speeds = read_json(out + "/speeds.json");
  EXPECT_GT(speeds["1x FP32 LibTorch"].get<double>(), 0);
  const nlohmann::json a = read_json(out + "/search.json");
  EXPECT_EQ(a["budget"]["min_speedup"], 0.01);
  for (const auto& c : a["candidates"]) {
    ASSERT_TRUE(speeds.contains(c["id"].get<std::string>())) << c["id"];
    EXPECT_NEAR(c["cost"]["speedup"].get<double>(),
                speeds[c["id"].get<std::string>()].get<double>() / speeds["1x FP32 LibTorch"].get<double>(), 1e-12);
  }
  // Rerun on the same folder: the figures are read back, so the answer is the same.
  ASSERT_EQ(std::system((cmd + " >" + out + ".log2 2>&1").c_str()), 0) << slurp(out + ".log2");
  EXPECT_EQ(slurp(out + ".log2").find("images/s here"), std::string::npos) << "nothing measured again";
  EXPECT_EQ(read_json(out + "/search.json")["candidates"], a["candidates"]);
  // A budget nothing meets: every candidate measured and marked, nothing trained.
  const std::string none = dir.file("none");
  const CliResult r = run_cli(
      "search --model lenet5 --widths 1 --precisions 2/2 --min-speedup 1000 --threads 1 --out " + none);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no uniform configuration of lenet5 fits the budget"), std::string::npos) << r.err;
  EXPECT_NE(slurp(none + "/search.md").find("< 1000x"), std::string::npos);
}

TEST(SearchCli, BadPlansAreRefusedNamingTheFlag) {
  expect_one_clear_error("search --model lenet5 --max-bit-ops -1", "--max-bit-ops must be a ratio >= 0 (0: no limit), got -1");
  expect_one_clear_error("search --model lenet5 --top 0", "--top must be >= 1, got 0");
  expect_one_clear_error("search --model lenet5 --precisions 4/9", "4/9");
  TempDir dir("search-none");
  expect_one_clear_error("search --model lenet5 --widths 1 --precisions 4/4 --max-bit-ops 0.01 --out " + dir.file("s"),
                         "no uniform configuration of lenet5 fits the budget");
}

}  // namespace
}  // namespace wrpn
