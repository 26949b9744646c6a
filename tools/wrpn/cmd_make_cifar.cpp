// wrpn make-cifar: write the generated, learnable CIFAR-10-format set (data/synthetic_cifar.h)
// so CIFAR-form models (resnet20, ...) can be trained, exported and checked without CIFAR.
#include <fmt/format.h>

#include <memory>

#include "command.h"
#include "wrpn/data/synthetic_cifar.h"

namespace wrpn {
namespace cli {

Command add_make_cifar_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand("make-cifar", "Write a generated CIFAR-10-format dataset (colour classes + noise)");
  struct Flags {
    std::string out;
    int64_t train_per_batch = 1000, test = 1000;
    uint64_t seed = 0;
  };
  auto f = std::make_shared<Flags>();
  app->add_option("--out", f->out, "folder for data_batch_1..5.bin and test_batch.bin")->required();
  app->add_option("--train-per-batch", f->train_per_batch, "records in each of the 5 training files")->check(CLI::PositiveNumber);
  app->add_option("--test", f->test, "records in test_batch.bin")->check(CLI::PositiveNumber);
  app->add_option("--seed", f->seed, "noise seed");
  return {app, [f]() {
            data::write_synthetic_cifar10(f->out, f->train_per_batch, f->test, f->seed);
            fmt::print("wrote {} training and {} test images to {}\n", 5 * f->train_per_batch, f->test, f->out);
            return 0;
          }};
}

}  // namespace cli
}  // namespace wrpn
