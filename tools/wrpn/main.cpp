// wrpn: train, measure and deploy Wide Reduced-Precision Networks.
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <vector>

#include "command.h"

int main(int argc, char** argv) {
  CLI::App app{"wrpn: train, measure and deploy Wide Reduced-Precision Networks"};
  app.require_subcommand(1);
  std::vector<wrpn::cli::Command> commands = {
      wrpn::cli::add_train_command(app),      wrpn::cli::add_eval_command(app),   wrpn::cli::add_info_command(app),
      wrpn::cli::add_demo_command(app),       wrpn::cli::add_bench_command(app),  wrpn::cli::add_cost_command(app),
      wrpn::cli::add_sweep_command(app),      wrpn::cli::add_export_command(app), wrpn::cli::add_infer_command(app),
      wrpn::cli::add_make_cifar_command(app),
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
