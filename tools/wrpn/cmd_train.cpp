// wrpn train: train one configuration into a run folder, or resume it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>

#include "command.h"
#include "train_flags.h"
#include "wrpn/train/trainer.h"

namespace wrpn {
namespace cli {

Command add_train_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand(
      "train", "Train a model with k-bit weights and activations; checkpoints every epoch");
  auto flags = std::make_shared<TrainFlags>();
  flags->add_model_flags(app);
  flags->add_training_flags(app);
  auto resume = std::make_shared<bool>(false);
  app->add_flag("--resume", *resume,
                "continue the run in --out from its last checkpoint, with its saved config");
  return {app, [flags, resume]() {
            train::TrainConfig config = flags->resolve();
            if (*resume) {
              for (const auto& name : flags->given()) {
                if (name != "--out" && name != "--threads") {
                  throw std::invalid_argument(fmt::format(
                      "--resume continues a run with its saved config; {} cannot change it",
                      name));
                }
              }
            } else {
              fmt::print("training {} into {}\n", config.model.label(), config.out);
            }
            const auto result = train::run_training(config, *resume);
            fmt::print("done: test accuracy {:.2f}% after epoch {}; checkpoint {}\n",
                       result.last.test.top1, result.last.epoch,
                       train::checkpoint_path(config.out));
            return 0;
          }};
}

}  // namespace cli
}  // namespace wrpn
