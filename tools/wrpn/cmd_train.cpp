// wrpn train: train one configuration into a run folder, or resume it; with --nproc N, as N
// data-parallel worker processes (docs/DISTRIBUTED.md).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "command.h"
#include "dist_flags.h"
#include "train_flags.h"
#include "wrpn/distributed/launcher.h"
#include "wrpn/train/trainer.h"

namespace wrpn {
namespace cli {
namespace {

// Starts the workers and waits for them; their output is this command's.
int launch(const DistFlags& dist_flags, bool threads_given) {
  if (distributed::worker_env_from_environment()) {
    throw std::invalid_argument("--nproc launches workers and cannot be given to a worker (WORLD_SIZE is set)");
  }
  const std::string& store = dist_flags.options.store;
  if (store.rfind("file:", 0) == 0) {
    // A file store left by an earlier run holds that run's addresses: start from none.
    std::filesystem::remove(store.substr(5));
  }
  distributed::LaunchOptions o;
  o.executable = self_executable();
  o.args = worker_arguments();
  o.nproc = dist_flags.nproc;
  if (!threads_given) {
    // The cores are shared out between the workers.
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    o.args.insert(o.args.end(), {"--threads", std::to_string(std::max(1, cores / o.nproc))});
  }
  const distributed::LaunchResult r = distributed::launch_workers(o);
  if (r.exit_code != 0) throw std::runtime_error(r.failure);
  return 0;
}

// Trains as one rank of `group` (or alone); a failure of another rank ends this process with
// kPeerFailureExitCode, so that the launcher can tell who failed from who noticed.
int train_in_group(const train::TrainConfig& config, bool resume, const std::shared_ptr<distributed::Group>& group) {
  const bool writer = !group || group->rank() == 0;
  try {
    const auto result = train::run_training(config, resume, {}, group);
    if (writer) {
      fmt::print("done: test accuracy {:.2f}% after epoch {}; checkpoint {}\n", result.last.test.top1,
                 result.last.epoch, train::checkpoint_path(config.out));
    }
  } catch (const distributed::PeerFailure& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "\nwrpn: error: %s\n", e.what());
    std::fflush(stderr);
    // Not through the destructors: the process group would wait for collectives that the
    // dead or hung rank never joins.
    std::_Exit(distributed::kPeerFailureExitCode);
  }
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& root) {
  CLI::App* app =
      root.add_subcommand("train", "Train a model with k-bit weights and activations; checkpoints every epoch");
  auto flags = std::make_shared<TrainFlags>();
  flags->add_model_flags(app);
  flags->add_training_flags(app);
  auto dist_flags = std::make_shared<DistFlags>();
  dist_flags->add(app);
  auto resume = std::make_shared<bool>(false);
  app->add_flag("--resume", *resume,
                "continue the run in --out from its last checkpoint, with its saved config "
                "(any --nproc)");
  return {
      app, [flags, dist_flags, resume]() {
        train::TrainConfig config = flags->resolve();
        dist_flags->validate();
        const auto given = flags->given();
        // A relaunched command line may repeat every flag: only a value that differs from the
        // run's saved config is refused, each one named.
        if (*resume) {
          const auto differ = flags->differences(config, train::saved_run_config(config.out), {"--out", "--threads"});
          if (!differ.empty()) {
            throw std::invalid_argument(
                fmt::format("--resume continues the run in {} with its saved config; these differ from it: {}",
                            config.out, fmt::join(differ, ", ")));
          }
        }
        if (dist_flags->launching()) {
          return launch(*dist_flags, std::find(given.begin(), given.end(), "--threads") != given.end());
        }
        const auto group = join_group_from_environment(dist_flags->options);
        const bool writer = !group || group->rank() == 0;
        if (!*resume && writer) {
          fmt::print("training {} into {}{}\n", config.model.label(), config.out,
                     group ? fmt::format(" on {} processes", group->size()) : "");
          std::fflush(stdout);
        }
        return train_in_group(config, *resume, group);
      }};
}

}  // namespace cli
}  // namespace wrpn
