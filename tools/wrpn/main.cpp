// wrpn: train, measure and deploy Wide Reduced-Precision Networks.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <vector>

#include "command.h"
#include "wrpn/kernels/compute_backends.h"
#include "wrpn/train/freed_memory.h"

namespace {

// OpenBLAS picked its kernels when it loaded, before main; where it fell back to Prescott's on
// an AVX-512 or AVX2 CPU, start once more with the right core named (same pid, arguments and
// environment otherwise; runs that wrpn itself starts inherit the variable). Setting
// OPENBLAS_CORETYPE, to anything, keeps the user's choice.
void restart_with_the_cpus_openblas_core(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  const std::string core = wrpn::kernels::openblas_core_for_this_cpu();
  if (core.empty() || ::setenv("OPENBLAS_CORETYPE", core.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);  // returns only on failure: go on with OpenBLAS's choice
}

}  // namespace

int main(int argc, char** argv) {
  restart_with_the_cpus_openblas_core(argv);
  wrpn::train::keep_freed_memory();  // before the first large tensor
  CLI::App app{"wrpn: train, measure and deploy Wide Reduced-Precision Networks"};
  app.require_subcommand(1);
  std::vector<wrpn::cli::Command> commands = {
      wrpn::cli::add_train_command(app),      wrpn::cli::add_eval_command(app),   wrpn::cli::add_info_command(app),
      wrpn::cli::add_demo_command(app),       wrpn::cli::add_bench_command(app),  wrpn::cli::add_cost_command(app),
      wrpn::cli::add_sweep_command(app),      wrpn::cli::add_export_command(app), wrpn::cli::add_infer_command(app),
      wrpn::cli::add_make_cifar_command(app), wrpn::cli::add_search_command(app),
  };
  const auto is_command = [&](const std::string& name) {
    for (const auto& c : commands) {
      if (c.app->get_name() == name) return true;
    }
    return false;
  };
  if (argc > 1 && argv[1][0] != '-' && !is_command(argv[1])) {
    std::fprintf(stderr,
                 "wrpn: error: unknown command '%s' (commands: train, eval, info, demo, bench, cost, sweep, export, "
                 "infer, make-cifar)\n",
                 argv[1]);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "wrpn: error: %s (see --help)\n", e.what());
    return 2;
  }
  try {
    for (const auto& c : commands) {
      if (c.app->parsed()) return c.run();
    }
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "\nwrpn: error: %s\n", e.what());
    return 1;
  }
  return 2;
}
