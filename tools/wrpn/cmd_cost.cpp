// wrpn cost: the analytic memory/compute cost model of a model at a width, precision and batch.
#include <fmt/format.h>

#include <memory>

#include "command.h"
#include "input_flags.h"
#include "train_flags.h"
#include "wrpn/measure/cost.h"

namespace wrpn {
namespace cli {

Command add_cost_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand("cost",
                                      "Analytic cost model: weight bytes, activation and training memory, MACs, "
                                      "bit-operations, each as a ratio to 1x FP32");
  auto flags = std::make_shared<TrainFlags>();
  flags->add_model_flags(app);
  auto input = std::make_shared<InputFlags>();
  auto batch = std::make_shared<int64_t>(1);
  auto format = std::make_shared<std::string>("text");
  input->add(app);
  app->add_option("--batch", *batch, "batch size (activation and training memory scale with it)");
  app->add_option("--format", *format, "text (default), csv or json");
  return {app, [flags, input, batch, format]() {
            models::ModelSpec s = flags->resolve(train::TrainConfig()).model;
            input->apply(s);
            fmt::print("{}", measure::format_report(measure::estimate_cost(s, *batch), *format));
            return 0;
          }};
}

}  // namespace cli
}  // namespace wrpn
