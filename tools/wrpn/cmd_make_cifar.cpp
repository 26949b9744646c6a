// wrpn make-cifar: write a generated, learnable CIFAR-10-format set so CIFAR-form models
// (resnet20, ...) can be trained, exported and checked without CIFAR. Two kinds:
// "colours" (data/synthetic_cifar.h: one colour per class, easy) and "glyphs"
// (data/glyph_cifar.h: digits in unseen fonts, random colours per image, hard).
#include <fmt/format.h>

#include <memory>

#include "command.h"
#include "wrpn/data/glyph_cifar.h"
#include "wrpn/data/synthetic_cifar.h"

namespace wrpn {
namespace cli {

Command add_make_cifar_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand("make-cifar",
                                      "Write a generated CIFAR-10-format dataset (--kind colours: easy; glyphs: hard)");
  struct Flags {
    std::string out;
    int64_t train_per_batch = 1000, test = 1000;
    uint64_t seed = 0;
    std::string kind = "colours";
  };
  auto f = std::make_shared<Flags>();
  app->add_option("--out", f->out, "folder for data_batch_1..5.bin and test_batch.bin")->required();
  app->add_option("--train-per-batch", f->train_per_batch, "records in each of the 5 training files")
      ->check(CLI::PositiveNumber);
  app->add_option("--test", f->test, "records in test_batch.bin")->check(CLI::PositiveNumber);
  app->add_option("--seed", f->seed, "generator seed");
  app->add_option("--kind", f->kind,
                  "colours: one colour per class (easy); glyphs: digits in fonts unseen in training, "
                  "random colours and illumination per image, rotation, distractors, noise (hard)")
      ->check(CLI::IsMember({"colours", "glyphs"}));
  return {app, [f]() {
            if (f->kind == "glyphs") {
              data::write_glyph_cifar10(f->out, f->train_per_batch, f->test, f->seed);
            } else {
              data::write_synthetic_cifar10(f->out, f->train_per_batch, f->test, f->seed);
            }
            fmt::print("wrote {} training and {} test {} images to {}\n", 5 * f->train_per_batch, f->test, f->kind,
                       f->out);
            return 0;
          }};
}

}  // namespace cli
}  // namespace wrpn
