// Running the built `wrpn` binary from tests: exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "../test_util.h"

namespace wrpn {
namespace {

using testing_util::TempDir;

struct CliResult {
  int exit_code;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CliResult run_cli(const std::string& args) {
  TempDir dir("cli-out");
  const std::string cmd =
      std::string(WRPN_CLI_PATH) + " " + args + " >" + dir.file("out") + " 2>" + dir.file("err") + " </dev/null";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir.file("out")), slurp(dir.file("err"))};
}

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// One line on stderr (after any blank separator), naming the value.
void expect_one_clear_error(const std::string& args, const std::string& expected) {
  const CliResult r = run_cli(args);
  EXPECT_NE(r.exit_code, 0) << args;
  std::string err = r.err;
  while (!err.empty() && err.front() == '\n') err.erase(err.begin());
  EXPECT_EQ(count_lines(err), 1) << args << "\n" << r.err;
  EXPECT_NE(err.find(expected), std::string::npos) << args << "\nstderr: " << r.err;
}

}  // namespace
}  // namespace wrpn
