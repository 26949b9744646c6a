// `--nproc N` on one machine: starts N copies of a worker command with the torchrun
// environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) and watches them.
// When a worker fails, the others are stopped and the launcher names the rank:
//  - a worker that exits non-zero (other than kPeerFailureExitCode) or is killed by a
//    signal is the failed rank; the others are given `grace_s` to notice and report it,
//    then killed;
//  - workers that exit with kPeerFailureExitCode only noticed a failure (a collective timed
//    out or lost its peer); ranks still running `grace_s` after the first of those are the
//    ones that hang, and are killed and named.
#pragma once

#include <string>
#include <vector>

namespace wrpn {
namespace distributed {

struct LaunchOptions {
  /// Program to run and its arguments (without argv[0]); the same for every rank.
  std::string executable;
  std::vector<std::string> args;
  int nproc = 1;
  /// Port of rank 0's TCPStore on 127.0.0.1; 0 picks a free one.
  int master_port = 0;
  /// After a worker fails or reports a peer failure, how long the others may take to stop
  /// by themselves before the launcher kills them (and, after a peer failure, names them
  /// as hung).
  double grace_s = 3;
};

struct LaunchResult {
  /// 0 when every worker exited 0.
  int exit_code = 0;
  /// Empty on success; otherwise one line naming the failed rank(s) and their exit status.
  std::string failure;
};

/// Runs the workers to completion (or failure). Throws std::invalid_argument for nproc < 1.
LaunchResult launch_workers(const LaunchOptions& options);

/// A TCP port on 127.0.0.1 that was free a moment ago.
int pick_free_port();

/// "exit status 3", "signal 9 (Killed)".
std::string describe_wait_status(int status);

}  // namespace distributed
}  // namespace wrpn
