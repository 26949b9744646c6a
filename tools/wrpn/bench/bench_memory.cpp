#include "bench_memory.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "bench_timing.h"
#include "train_flags.h"
#include "wrpn/kernels/compute_backends.h"
#include "wrpn/train/freed_memory.h"
#include "wrpn/measure/sweep_grid.h"
#include "wrpn/models/registry.h"
#include "wrpn/models/summary.h"
#include "wrpn/quant/packed_saving.h"
#include "wrpn/train/memory_stats.h"

namespace wrpn {
namespace cli {

namespace {

struct MemoryBenchFlags {
  int64_t batch_size = 256;
  int64_t steps = 2;
  int64_t rounds = 3;
  int threads = 0;
  int64_t input_size = 0;   // 0: the model's default
  int64_t in_channels = 0;  // 0: the model's default
  int64_t classes = 0;      // 0: the model's default
  std::vector<std::string> configs = {"1:32/32", "1:4/4", "2:4/4", "2:2/2"};
};

// Bytes of the batch-norm inputs (the conv outputs: every conv here feeds a BN), which LibTorch
// saves as floats for BN's backward in either mode.
double bn_input_mib(models::Network& model, const models::ModelSpec& spec, int64_t batch) {
  double bytes = 0;
  for (const auto& l : models::summarize(model, spec).layers) {
    if (l.kind != "conv") continue;
    double n = 1;
    for (int64_t d : l.output_shape) n *= double(d);
    bytes += n * 4.0 * double(batch);
  }
  return bytes / (1 << 20);
}

}  // namespace

// Peak CPU tensor memory of training steps and their time, packed saving on and off: one model
// per config, the switch toggled between interleaved rounds (A/B/B/A...), medians of the rounds.
void add_memory_bench(CLI::App* bench, std::vector<std::function<int()>>& runs) {
  CLI::App* app =
      bench->add_subcommand("memory", "Peak training memory and step time, activations saved packed vs as floats");
  auto flags = std::make_shared<TrainFlags>();
  flags->add_model_flags(app);
  auto f = std::make_shared<MemoryBenchFlags>();
  app->add_option("--batch-size", f->batch_size, "images per step");
  app->add_option("--steps", f->steps, "timed steps per round and mode");
  app->add_option("--rounds", f->rounds, "interleaved on/off rounds (medians are reported)");
  app->add_option("--threads", f->threads, "intra-op threads (0: all cores)");
  app->add_option("--input-size", f->input_size, "image side in pixels (0: the model's default)");
  app->add_option("--in-channels", f->in_channels, "image channels (0: the model's default)");
  app->add_option("--classes", f->classes, "classes (0: the model's default)");
  app->add_option("--configs", f->configs, "WIDTH:WBITS/ABITS list")->delimiter(',');
  runs.push_back([app, flags, f]() {
    if (!app->parsed()) return -1;
    if (f->steps < 1 || f->rounds < 1 || f->batch_size < 1) {
      throw std::invalid_argument("--steps, --rounds and --batch-size must be >= 1");
    }
    train::TrainConfig defaults;
    train::TrainConfig base = flags->resolve(defaults);
    if (f->input_size > 0) base.model.input_size = f->input_size;
    if (f->in_channels > 0) base.model.in_channels = f->in_channels;
    if (f->classes > 0) base.model.classes = f->classes;
    if (f->threads > 0) torch::set_num_threads(f->threads);
    train::install_memory_stats();
    const auto& m = base.model;
    torch::manual_seed(0);
    const torch::Tensor images = torch::randn({f->batch_size, m.in_channels, m.input_size, m.input_size});
    const torch::Tensor labels = torch::randint(m.classes, {f->batch_size}, torch::kInt64);
    fmt::print("{}; {}\n", kernels::compute_backends_line(), train::freed_memory_status());
    fmt::print(
        "{} on {}x{}x{}, {} classes, batch {}, {} threads, median of {} rounds x {} steps "
        "per mode; load average {}\n",
        m.name, m.in_channels, m.input_size, m.input_size, m.classes, f->batch_size, torch::get_num_threads(),
        f->rounds, f->steps, load_average());
    fmt::print(
        "peak = largest CPU tensor memory during a step (weights, gradients, optimiser "
        "state and the batch included)\n");
    fmt::print(
        "(BN share: BN inputs / packed peak; fwd/step: a no-grad forward / a float step, "
        "the cost of recomputing the BN inputs in backward)\n");
    fmt::print(
        "(time +%: wall time of a step, packed vs float; cpu +%: the same in process CPU "
        "time, which other processes' load does not inflate)\n");
    fmt::print("{:<10} {:>12} {:>12} {:>7} {:>11} {:>11} {:>8} {:>8} {:>10} {:>9} {:>9}\n", "config", "peak packed",
               "peak float", "ratio", "ms packed", "ms float", "time +%", "cpu +%", "BN in MiB", "BN share",
               "fwd/step");
    for (const auto& text : f->configs) {
      const auto colon = text.find(':');
      if (colon == std::string::npos) {
        throw std::invalid_argument(fmt::format("config must look like WIDTH:WBITS/ABITS, got '{}'", text));
      }
      train::TrainConfig c = base;
      c.model.width = std::stod(text.substr(0, colon));
      const measure::Precision p = measure::parse_precision(text.substr(colon + 1));
      c.model.weight_bits = p.weight_bits;
      c.model.activation_bits = p.activation_bits;
      torch::manual_seed(0);
      auto model = models::build_model(c.model);
      auto opt = train::make_optimizer(*model, c);
      double peak[2] = {0, 0};
      std::vector<double> seconds[2], cpu[2], forward;
      for (int packed = 0; packed < 2; ++packed) {  // warm-up: optimiser state exists
        const quant::PackedSavingGuard guard(packed == 1);
        time_steps(*model, c, opt, images, labels, 1);
      }
      for (int64_t r = 0; r < f->rounds; ++r) {
        for (int i = 0; i < 2; ++i) {
          const int packed = (r + i) % 2;  // on, off | off, on | ...
          const quant::PackedSavingGuard guard(packed == 1);
          train::reset_peak_tensor_bytes();
          const double cpu_start = process_cpu_seconds();
          seconds[packed].push_back(time_steps(*model, c, opt, images, labels, f->steps));
          cpu[packed].push_back((process_cpu_seconds() - cpu_start) / double(f->steps));
          peak[packed] = std::max(peak[packed], double(train::peak_tensor_bytes()) / (1 << 20));
        }
        forward.push_back(time_forward(*model, images));
      }
      const double ms_on = median(seconds[1]) * 1e3, ms_off = median(seconds[0]) * 1e3;
      const double cpu_ratio = median(cpu[1]) / median(cpu[0]);
      const double bn = bn_input_mib(*model, c.model, f->batch_size);
      fmt::print(
          "{:<10} {:>10.1f}MB {:>10.1f}MB {:>7.3f} {:>11.1f} {:>11.1f} {:>+7.1f}% {:>+7.1f}% "
          "{:>10.1f} {:>8.0f}% {:>8.0f}%\n",
          text, peak[1], peak[0], peak[1] / peak[0], ms_on, ms_off, 100.0 * (ms_on / ms_off - 1.0),
          100.0 * (cpu_ratio - 1.0), bn, 100.0 * bn / peak[1], 100.0 * median(forward) * 1e3 / ms_off);
      std::fflush(stdout);
    }
    fmt::print("load average at the end: {}\n", load_average());
    return 0;
  });
}

}  // namespace cli
}  // namespace wrpn
