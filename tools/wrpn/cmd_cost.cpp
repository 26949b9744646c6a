// wrpn cost: the analytic memory/compute cost model of a model at a width, precision and batch.
#include <fmt/format.h>

#include <memory>

#include "command.h"
#include "input_flags.h"
#include "train_flags.h"
#include "wrpn/measure/cost.h"
#include "wrpn/measure/energy.h"

namespace wrpn {
namespace cli {

Command add_cost_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand("cost",
                                      "Analytic cost model: weight bytes, activation and training memory, MACs, "
                                      "bit-operations and energy (Horowitz ISSCC 2014), each as a ratio to 1x FP32");
  auto flags = std::make_shared<TrainFlags>();
  flags->add_model_flags(app);
  auto input = std::make_shared<InputFlags>();
  auto batch = std::make_shared<int64_t>(1);
  auto format = std::make_shared<std::string>("text");
  auto energy_table = std::make_shared<std::string>();
  input->add(app);
  app->add_option("--batch", *batch, "batch size (activation and training memory scale with it)");
  app->add_option("--format", *format, "text (default), csv or json");
  app->add_option("--energy-table", *energy_table,
                  "JSON object overriding per-operation energies in pJ (keys and defaults: docs/COST.md)");
  return {app, [flags, input, batch, format, energy_table]() {
            models::ModelSpec s = flags->resolve(train::TrainConfig()).model;
            input->apply(s);
            // The table first: a bad file fails before the models are built.
            const measure::EnergyTable table =
                energy_table->empty() ? measure::EnergyTable() : measure::load_energy_table(*energy_table);
            const measure::CostReport cost = measure::estimate_cost(s, *batch);
            fmt::print("{}", measure::format_report(cost, measure::estimate_energy(cost, table), *format));
            return 0;
          }};
}

}  // namespace cli
}  // namespace wrpn
