// The `wrpn` binary: bad flags and config values exit non-zero with one clear line; a
// training run, eval and info work end to end.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../test_util.h"
#include "cli_util.h"
#include "wrpn/kernels/compute_backends.h"

namespace wrpn {
namespace {

using testing_util::TempDir;

TEST(Cli, BadFlagsAndValuesExitNonZeroWithOneClearLine) {
  expect_one_clear_error("train --wbits 9", "weight bits must be 1..8 or 32 (full precision), got 9");
  expect_one_clear_error("train --abits 0", "activation bits must be 1..8 or 32 (full precision), got 0");
  expect_one_clear_error("train --width 0", "width multiplier must be a positive number, got 0");
  expect_one_clear_error("train --model resnet9000", "unknown model 'resnet9000'");
  expect_one_clear_error("train --optimizer rmsprop", "optimizer must be sgd, adam or adamw, got 'rmsprop'");
  expect_one_clear_error("train --lr -1", "lr must be a positive number, got -1");
  expect_one_clear_error("train --epochs 0", "epochs must be >= 1, got 0");
  expect_one_clear_error("train --weight-param kaiming",
                         "weight parametrisation must be 'unit' or 'torch', got 'kaiming'");
  expect_one_clear_error("train --no-such-flag", "no-such-flag");
  expect_one_clear_error("train --epochs many", "many");
  expect_one_clear_error("frobnicate", "frobnicate");
  expect_one_clear_error("eval --checkpoint /nonexistent/checkpoint.pt",
                         "checkpoint /nonexistent/checkpoint.pt does not exist");
  expect_one_clear_error("train --data /nonexistent --epochs 1",
                         "IDX file /nonexistent/train-images-idx3-ubyte.gz does not exist");
}

TEST(Cli, BadConfigFilesRejectedNamingTheKey) {
  TempDir dir("cli-config");
  std::ofstream(dir.file("unknown.json")) << R"({"lrr": 0.1})";
  expect_one_clear_error("train --config " + dir.file("unknown.json"),
                         dir.file("unknown.json") + ": unknown config key 'lrr'");
  std::ofstream(dir.file("type.json")) << R"({"epochs": "ten"})";
  expect_one_clear_error("train --config " + dir.file("type.json"),
                         "config key 'epochs' has a value of the wrong type: \"ten\"");
  std::ofstream(dir.file("broken.json")) << R"({"epochs": )";
  expect_one_clear_error("train --config " + dir.file("broken.json"),
                         "config file " + dir.file("broken.json") + " is not valid JSON");
  std::ofstream(dir.file("range.json")) << R"({"wbits": 16})";
  expect_one_clear_error("train --config " + dir.file("range.json"), "got 16");
}

TEST(Cli, TrainFromConfigWithFlagOverrideThenEvalAndResume) {
  TempDir dir("cli-train");
  std::ofstream(dir.file("c.json")) << R"({"model": "lenet5", "wbits": 4, "abits": 4,
      "epochs": 5, "limit_train": 512, "limit_test": 256, "threads": 1, "batch_size": 64})";
  const std::string out = dir.file("run");
  // The flag --epochs 1 overrides the file's 5.
  CliResult r = run_cli("train --config " + dir.file("c.json") + " --epochs 1 --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("epoch   1/1"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");  // no progress line when stderr is not a terminal

  r = run_cli("eval --checkpoint " + out + "/checkpoint.pt --limit-test 256 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("lenet5 w1 4/4 (epoch 1): test accuracy"), std::string::npos) << r.out;

  // A relaunched command line: the same flags plus --resume are accepted; only a value that
  // differs is refused, named with the run's own.
  r = run_cli("train --config " + dir.file("c.json") + " --epochs 1 --out " + out + " --resume");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_one_clear_error("train --config " + dir.file("c.json") + " --epochs 1 --out " + out + " --resume --lr 0.5",
                         "--resume continues the run in " + out +
                             " with its saved config; these differ from it: --lr 0.5 (the run has 0.1)");
  expect_one_clear_error(
      "train --resume --out " + out + " --epochs 1 --model vgg_small --wbits 2",
      "these differ from it: --model \"vgg_small\" (the run has \"lenet5\"), --wbits 2 (the run has 4)");

  // Stopped before its first checkpoint (config.json only): --resume starts it again and says so.
  const std::string early = dir.file("early");
  std::filesystem::create_directories(early);
  std::filesystem::copy_file(out + "/config.json", early + "/config.json");
  r = run_cli("train --resume --out " + early);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no checkpoint in " + early + " yet"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("epoch   1/1"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(early + "/checkpoint.pt"));
  const std::string empty = dir.file("empty");
  std::filesystem::create_directories(empty);
  expect_one_clear_error("train --resume --out " + empty,
                         "nothing to resume in " + empty + ": it has neither checkpoint.pt nor config.json");
  std::ofstream(out + "/checkpoint.pt", std::ios::trunc) << "truncated";
  expect_one_clear_error("train --resume --out " + out, "is corrupt or not a LibTorch archive");
}

TEST(Cli, InfoPrintsLayersAndTotals) {
  const CliResult r = run_cli("info --model vgg_small --width 2 --wbits 4 --abits 4");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("stage1.0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("total:"), std::string::npos) << r.out;
  const CliResult list = run_cli("info --list");
  EXPECT_NE(list.out.find("lenet5"), std::string::npos);
  EXPECT_NE(list.out.find("vgg_small"), std::string::npos);
}

TEST(Cli, EveryCommandHasHelp) {
  for (const char* cmd : {"train", "eval", "info", "demo", "bench train"}) {
    const CliResult r = run_cli(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("--"), std::string::npos) << cmd;
  }
}

// `wrpn` runs OpenBLAS on the kernels this CPU allows (tools/wrpn/main.cpp): where OpenBLAS fell
// back to Prescott's SSE3 kernels on an AVX2/AVX-512 CPU it does not know by model, the CLI
// starts again with OPENBLAS_CORETYPE set; a core the user names is kept.
// What a short training run prints, with `env`'s arguments in front.
std::string short_training_output(const std::string& env) {
  TempDir dir("short-run");
  const std::string cmd = "env " + env + " " + WRPN_CLI_PATH +
                          " train --model mlp --epochs 1 --limit-train 64 --limit-test 32 --threads 1 --out " +
                          dir.file("run") + " >" + dir.file("out") + " 2>&1 </dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << slurp(dir.file("out"));
  return slurp(dir.file("out"));
}

// The core named in the "compute: BLAS: ..., core X (path)" line of a short training run.
std::string core_in_compute_line(const std::string& env) {
  const std::string out = short_training_output(env);
  const size_t at = out.find(", core ");
  if (at == std::string::npos) return "(no OpenBLAS core in: " + out.substr(0, 300) + ")";
  const size_t end = out.find(' ', at + 7);
  return out.substr(at + 7, end - at - 7);
}

TEST(OpenBlasCore, TheCliRunsTheCoreThisCpuAllowsAndKeepsTheUsersChoice) {
  const std::string own = kernels::openblas_core_name();
  if (own.empty()) GTEST_SKIP() << "LibTorch's BLAS here is not OpenBLAS";
  const std::string better = kernels::openblas_core_for_this_cpu();
  // Unset: OpenBLAS's own choice where it knows this CPU, else the one the features allow.
  EXPECT_EQ(core_in_compute_line("-u OPENBLAS_CORETYPE"), better.empty() ? own : better) << "this process: " << own;
  EXPECT_EQ(core_in_compute_line("OPENBLAS_CORETYPE=Prescott"), "Prescott");
}

// The CLI keeps freed memory in the process (src/wrpn/train/freed_memory.h) and says so on
// its compute line; WRPN_RETURN_FREED_MEMORY=1 keeps the allocator's defaults.
TEST(FreedMemory, TheCliKeepsFreedMemoryUnlessTold) {
#if defined(__GLIBC__)
  EXPECT_NE(short_training_output("-u WRPN_RETURN_FREED_MEMORY").find("freed memory: kept in the process"),
            std::string::npos);
#endif
  EXPECT_NE(short_training_output("WRPN_RETURN_FREED_MEMORY=1").find("freed memory: allocator defaults ("),
            std::string::npos);
}

}  // namespace
}  // namespace wrpn
