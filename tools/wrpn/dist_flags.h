// The flags of a data-parallel run, shared by `train` and `bench dist`: --nproc launches
// local workers; --store and --dist-timeout set how workers meet and how long they wait;
// --dist-addr, the address this machine's rank is reached at.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "wrpn/distributed/process_group.h"

namespace wrpn {
namespace cli {

struct DistFlags {
  int nproc = 0;  // 0: not given
  distributed::DistOptions options;

  void add(CLI::App* app);
  /// --nproc was given: this process launches the workers.
  bool launching() const { return nproc_option != nullptr && nproc_option->count() > 0; }
  /// Throws std::invalid_argument naming a flag and its value when out of range.
  void validate() const;

  CLI::Option* nproc_option = nullptr;
};

/// This process's command line (from /proc/self/cmdline) without argv[0] and without
/// `--nproc N`, for the workers to run.
std::vector<std::string> worker_arguments();

/// Path of this executable.
std::string self_executable();

/// The process group of this worker when it was started with WORLD_SIZE > 1 in its
/// environment (by --nproc or by torchrun-style scripts), else null.
std::shared_ptr<distributed::Group> join_group_from_environment(const distributed::DistOptions& options);

}  // namespace cli
}  // namespace wrpn
