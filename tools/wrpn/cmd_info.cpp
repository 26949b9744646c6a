// wrpn info: every layer of a model with its shape, bits, parameters, MACs and weight bytes.
#include <fmt/format.h>

#include <memory>

#include "command.h"
#include "input_flags.h"
#include "train_flags.h"
#include "wrpn/models/registry.h"
#include "wrpn/models/summary.h"

namespace wrpn {
namespace cli {

Command add_info_command(CLI::App& root) {
  CLI::App* app =
      root.add_subcommand("info", "Print each layer of a model: shape, bits, parameters, MACs, weight bytes");
  auto flags = std::make_shared<TrainFlags>();
  flags->add_model_flags(app);
  auto input = std::make_shared<InputFlags>();
  auto json = std::make_shared<bool>(false);
  auto list = std::make_shared<bool>(false);
  input->add(app);
  app->add_flag("--json", *json, "print JSON instead of a table");
  app->add_flag("--list", *list, "list the registered models");
  return {app, [flags, input, json, list]() {
            if (*list) {
              for (const auto& e : models::model_registry()) {
                fmt::print("{:<16} {}\n", e.name, e.description);
              }
              return 0;
            }
            models::ModelSpec s = flags->resolve(train::TrainConfig()).model;
            input->apply(s);
            auto model = models::build_model(s);
            const auto summary = models::summarize(*model, s);
            if (*json) {
              fmt::print("{}\n", models::to_json(summary).dump(2));
            } else {
              fmt::print("{} ({}x{}x{} input, {} classes)\n{}", s.label(), s.in_channels, s.input_size, s.input_size,
                         s.classes, models::format_table(summary));
            }
            return 0;
          }};
}

}  // namespace cli
}  // namespace wrpn
