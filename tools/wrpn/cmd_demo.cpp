// wrpn demo: the paper's claim on real data in a few minutes: a 1x full-precision network
// against the same network 2x wide with 4-bit weights and 4-bit activations.
#include <fmt/format.h>

#include <memory>

#include "command.h"
#include "train_flags.h"
#include "wrpn/models/registry.h"
#include "wrpn/models/summary.h"
#include "wrpn/train/trainer.h"

namespace wrpn {
namespace cli {

namespace {

struct DemoRow {
  std::string label;
  train::TrainResult result;
  models::ModelSummary summary;
};

std::string si(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

}  // namespace

Command add_demo_command(CLI::App& root) {
  CLI::App* app =
      root.add_subcommand("demo", "Train 1x FP32 and 2x-wide 4b/4b on Fashion-MNIST and compare them side by side");
  auto flags = std::make_shared<TrainFlags>();
  flags->add_training_flags(app);
  auto model_name = std::make_shared<std::string>("lenet5");
  app->add_option("--model", *model_name, "registered model name");
  return {app, [flags, model_name]() {
            train::TrainConfig defaults;
            defaults.model.name = *model_name;
            defaults.epochs = 8;
            defaults.out = "runs/demo";
            const train::TrainConfig base = flags->resolve(defaults);
            struct Variant {
              std::string label, folder;
              double width;
              int bits;
            };
            const std::vector<Variant> variants = {{"1x FP32 (32/32)", "w1-32-32", 1.0, 32},
                                                   {"2x WRPN (4/4)", "w2-4-4", 2.0, 4}};
            std::vector<DemoRow> rows;
            for (const auto& v : variants) {
              train::TrainConfig c = base;
              c.model.width = v.width;
              c.model.weight_bits = v.bits;
              c.model.activation_bits = v.bits;
              c.out = base.out + "/" + v.folder;
              fmt::print("\n== {}: {} for {} epochs on {} ({}) ==\n", v.label, c.model.label(), c.epochs, c.dataset,
                         c.data_dir);
              std::fflush(stdout);
              DemoRow row{v.label, train::run_training(c, /*resume=*/false), {}};
              row.summary = models::summarize(*row.result.model, c.model);
              rows.push_back(std::move(row));
            }
            const auto& fp = rows[0];
            fmt::print("\n{:<18} {:>9} {:>10} {:>12} {:>10} {:>12}\n", base.model.name, "test acc", "params",
                       "model bytes", "MACs", "bit-ops");
            for (const auto& r : rows) {
              fmt::print("{:<18} {:>8.2f}% {:>10} {:>12} {:>10} {:>12}\n", r.label, r.result.last.test.top1,
                         si(double(r.summary.params)), si(r.summary.weight_bytes), si(double(r.summary.macs)),
                         si(r.summary.bit_ops));
            }
            const auto& w = rows[1];
            fmt::print("{:<18} {:>+8.2f}  {:>9.2f}x {:>11.2f}x {:>9.2f}x {:>11.3f}x\n", "2x4b vs 1xFP32",
                       w.result.last.test.top1 - fp.result.last.test.top1,
                       double(w.summary.params) / double(fp.summary.params),
                       w.summary.weight_bytes / fp.summary.weight_bytes,
                       double(w.summary.macs) / double(fp.summary.macs), w.summary.bit_ops / fp.summary.bit_ops);
            fmt::print(
                "(model bytes: weights at their precision, packed; bit-ops: MACs x weight "
                "bits x activation bits; runs in {})\n",
                base.out);
            return 0;
          }};
}

}  // namespace cli
}  // namespace wrpn
