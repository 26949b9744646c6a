// Runs the training runs of a sweep as child `wrpn train` processes, N at a time, skipping
// finished runs and resuming interrupted ones, so a sweep survives any number of restarts.
#pragma once

#include <string>
#include <vector>

#include "wrpn/measure/sweep_summary.h"

namespace wrpn {
namespace cli {

struct SweepRunnerOptions {
  std::string executable;  // the wrpn binary
  int jobs = 1;
  int threads_per_job = 1;
  bool verbose = true;
  std::string label = "sweep";  // what the progress lines start with
};

/// The command line exactly as given (from /proc/self/cmdline), for a summary's record.
std::string invocation();

/// Returns the results of every run (finished earlier or now). Throws std::runtime_error
/// naming the run and its log when a run fails; runs still going are waited for first.
std::vector<measure::RunResult> run_sweep(const std::vector<measure::SweepRun>& runs,
                                          const SweepRunnerOptions& options);

}  // namespace cli
}  // namespace wrpn
