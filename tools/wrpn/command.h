// Each subcommand lives in its own file and registers itself on the root CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace wrpn {
namespace cli {

struct Command {
  CLI::App* app = nullptr;
  /// Runs after parsing; returns the process exit code.
  std::function<int()> run;
};

Command add_train_command(CLI::App& root);
Command add_eval_command(CLI::App& root);
Command add_info_command(CLI::App& root);
Command add_demo_command(CLI::App& root);
Command add_bench_command(CLI::App& root);
Command add_cost_command(CLI::App& root);
Command add_sweep_command(CLI::App& root);
Command add_search_command(CLI::App& root);
Command add_export_command(CLI::App& root);
Command add_infer_command(CLI::App& root);
Command add_make_cifar_command(CLI::App& root);

}  // namespace cli
}  // namespace wrpn
