// wrpn sweep: models x widths x precisions x seeds, resumable, N runs at a time; writes the
// summary (CSV, JSON, markdown) and the plots.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "command.h"
#include "dist_flags.h"
#include "sweep_runner.h"
#include "train_flags.h"
#include "wrpn/runtime/input_path.h"
#include "wrpn/measure/plots.h"
#include "wrpn/measure/sweep_grid.h"

namespace wrpn {
namespace cli {

namespace {

struct SweepFlags {
  std::string config;
  std::string out = "runs/sweep";
  std::vector<std::string> models;
  std::vector<double> widths;
  std::vector<std::string> precisions;
  std::vector<uint64_t> seeds;
  std::vector<std::string> quantizers;
  int jobs = 1;
  bool no_plots = false;
  std::string command_line;
};

}  // namespace

Command add_sweep_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand("sweep",
                                      "Train a grid of models x widths x precisions x quantizers x seeds (resumable) and summarise "
                                      "accuracy against cost, with plots");
  auto f = std::make_shared<SweepFlags>();
  auto flags = std::make_shared<TrainFlags>();
  app->add_option("--config", f->config, "sweep JSON: {models, widths, precisions, quantizers, seeds, train: {config keys}}");
  app->add_option("--out", f->out, "sweep folder (runs/<id>/, summary.*, plots)");
  app->add_option("--models", f->models, "comma-separated model names")->delimiter(',');
  app->add_option("--widths", f->widths, "comma-separated width multipliers")->delimiter(',');
  app->add_option("--precisions", f->precisions, "comma-separated WBITS/ABITS")->delimiter(',');
  app->add_option("--seeds", f->seeds, "comma-separated seeds")->delimiter(',');
  app->add_option("--quantizers", f->quantizers, "comma-separated quantizers: wrpn (default), dorefa, pact, lsq")
      ->delimiter(',');
  app->add_option("--jobs", f->jobs, "runs at a time; the cores are shared between them");
  app->add_flag("--no-plots", f->no_plots, "skip the gnuplot plots");
  flags->add_training_flags(app, /*run_folder_flags=*/false);
  return {app, [f, flags]() {
            measure::SweepGrid grid;
            if (!f->config.empty()) {
              runtime::require_readable_file(f->config, "sweep file");
              std::ifstream in(f->config);
              if (!in) throw std::invalid_argument(fmt::format("cannot read sweep file {}", f->config));
              const auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
              if (j.is_discarded()) {
                throw std::invalid_argument(fmt::format("sweep file {} is not valid JSON", f->config));
              }
              grid = measure::read_sweep_grid(j, f->config);
            }
            if (!f->models.empty()) grid.models = f->models;
            if (!f->widths.empty()) grid.widths = f->widths;
            if (!f->seeds.empty()) grid.seeds = f->seeds;
            if (!f->quantizers.empty()) {
              grid.quantizers.clear();
              for (const auto& q : f->quantizers) grid.quantizers.push_back(quant::parse_scheme(q));
            }
            if (!f->precisions.empty()) {
              grid.precisions.clear();
              for (const auto& p : f->precisions) grid.precisions.push_back(measure::parse_precision(p));
            }
            grid.base = flags->resolve(grid.base);
            grid.validate();
            if (f->jobs < 1) throw std::invalid_argument(fmt::format("--jobs must be >= 1, got {}", f->jobs));
            std::filesystem::create_directories(f->out);
            const auto runs = measure::expand(grid, f->out);
            SweepRunnerOptions o;
            o.executable = self_executable();
            o.jobs = f->jobs;
            const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
            o.threads_per_job = grid.base.threads > 0 ? grid.base.threads : std::max(1, cores / f->jobs);
            const auto results = run_sweep(runs, o);
            const auto summary = measure::summarize_sweep(results);
            const std::string command = invocation();
            measure::write_summary_files(f->out, summary, command);
            fmt::print("\n{}", measure::markdown_table(summary));
            if (!f->no_plots) {
              for (const auto& svg : measure::write_plots(f->out, summary)) fmt::print("plot: {}\n", svg);
            }
            fmt::print("summary: {0}/summary.md, {0}/summary.csv, {0}/summary.json\n", f->out);
            return 0;
          }};
}

}  // namespace cli
}  // namespace wrpn
