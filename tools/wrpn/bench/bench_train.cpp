#include "bench_train.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "bench_timing.h"
#include "op_profile.h"
#include "train_flags.h"
#include "wrpn/kernels/compute_backends.h"
#include "wrpn/train/freed_memory.h"
#include "wrpn/measure/sweep_grid.h"
#include "wrpn/models/registry.h"
#include "wrpn/nn/batch_norm_training.h"
#include "wrpn/nn/matrix_units.h"
#include "wrpn/train/optimizer.h"

namespace wrpn {
namespace cli {

namespace {

struct BenchFlags {
  int64_t batch_size = 128;
  int64_t steps = 20;
  int64_t rounds = 3;
  int threads = 0;
  // WIDTH:WBITS/ABITS[@MODE]; MODE is float (LibTorch float ops), int8 (int8 forward, fp32
  // backward), int8+bf16 (and bf16 conv backward) or autocast (bf16 autocast, the FP32 peer).
  // The first entry is the baseline of the ratios.
  std::vector<std::string> configs = {"1:32/32@float",   "1:32/32@autocast", "1:4/4@float",    "1:4/4@int8",
                                      "1:4/4@int8+bf16", "2:4/4@float",      "2:4/4@int8+bf16"};
  int64_t input_size = 0;   // 0: the model's default
  int64_t in_channels = 0;  // 0: the model's default
  bool json = false;
  bool profile = false;  // after the timed rounds, each config's ops by self time
};

struct BenchConfig {
  double width = 1;
  measure::Precision precision;
  std::string mode = "int8";
  nn::MatrixUnits units;
  bool autocast = false;
  nn::BatchNormKernels batch_norm = nn::BatchNormKernels::kWrpn;
};

// Takes `suffix` off the end of `mode`; true if it was there.
bool strip_suffix(std::string& mode, const std::string& suffix) {
  if (mode.size() <= suffix.size() || mode.compare(mode.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return false;
  }
  mode.resize(mode.size() - suffix.size());
  return true;
}

// A config's settings, in force while it lives.
struct ConfigScope {
  explicit ConfigScope(const BenchConfig& c) : units(c.units), autocast(c.autocast), batch_norm(c.batch_norm) {}
  nn::MatrixUnitsGuard units;
  CpuAutocast autocast;
  nn::BatchNormKernelsGuard batch_norm;
};

BenchConfig parse_bench_config(const std::string& text) {
  BenchConfig b;
  const auto colon = text.find(':');
  const auto at = text.find('@');
  if (colon == std::string::npos) {
    throw std::invalid_argument(fmt::format("--configs entry must look like WIDTH:WBITS/ABITS[@MODE], got '{}'", text));
  }
  b.width = std::stod(text.substr(0, colon));
  b.precision =
      measure::parse_precision(text.substr(colon + 1, at == std::string::npos ? std::string::npos : at - colon - 1));
  if (at != std::string::npos) b.mode = text.substr(at + 1);
  bool recomputes = false, libtorch_bn = false;  // +recompute: conv outputs recomputed in backward
  for (bool more = true; more;) {
    more = false;
    if (strip_suffix(b.mode, "+recompute")) more = recomputes = true;
    if (strip_suffix(b.mode, "+libtorch-bn")) more = libtorch_bn = true;
  }
  if (libtorch_bn) b.batch_norm = nn::BatchNormKernels::kLibTorch;
  if (b.mode == "float") {
    b.units = {false, nn::BackwardPrecision::kFp32};
  } else if (b.mode == "int8") {
    b.units = {true, nn::BackwardPrecision::kFp32};
  } else if (b.mode == "int8+bf16") {
    b.units = {true, nn::BackwardPrecision::kBf16};
  } else if (b.mode == "bf16") {
    b.units = {false, nn::BackwardPrecision::kBf16};
  } else if (b.mode == "autocast") {
    b.units = {false, nn::BackwardPrecision::kFp32};
    b.autocast = true;
  } else {
    throw std::invalid_argument(fmt::format(
        "--configs mode must be float, int8, int8+bf16, bf16 or autocast (int8 modes may end in +recompute, any in "
        "+libtorch-bn), got '{}' in '{}'",
        b.mode, text));
  }
  b.units.recompute_conv_outputs = recomputes;
  if (recomputes) b.mode += "+recompute";
  if (libtorch_bn) b.mode += "+libtorch-bn";
  return b;
}

}  // namespace

void add_train_bench(CLI::App* bench, std::vector<std::function<int()>>& runs) {
  CLI::App* train_app =
      bench->add_subcommand("train", "Training images/s of each precision against the first (full precision)");
  auto flags = std::make_shared<TrainFlags>();
  flags->add_model_flags(train_app);
  auto f = std::make_shared<BenchFlags>();
  train_app->add_option("--batch-size", f->batch_size, "images per step");
  train_app->add_option("--steps", f->steps, "timed steps per round");
  train_app->add_option("--rounds", f->rounds, "interleaved rounds (the median is reported)");
  train_app->add_option("--threads", f->threads, "intra-op threads (0: all cores)");
  train_app
      ->add_option("--configs", f->configs,
                   "WIDTH:WBITS/ABITS[@float|int8|int8+bf16|bf16|autocast] list (+recompute: "
                   "recompute conv outputs in backward; +libtorch-bn: LibTorch's batch norm, not wrpn's); "
                   "the first is the baseline")
      ->delimiter(',');
  train_app->add_option("--input-size", f->input_size, "image side in pixels (0: the model's default)");
  train_app->add_option("--in-channels", f->in_channels,
                        "image channels (0: the model's default; 3 with 32: CIFAR form)");
  train_app->add_flag("--json", f->json, "print JSON");
  train_app->add_flag("--profile", f->profile,
                      "after the timings, each config's steps under LibTorch's profiler: ms per step per op "
                      "(self time), largest first");
  runs.push_back([train_app, flags, f]() {
    if (!train_app->parsed()) return -1;
    train::TrainConfig defaults;
    defaults.model.name = "vgg_small";
    train::TrainConfig base = flags->resolve(defaults);
    if (f->input_size > 0) base.model.input_size = f->input_size;
    if (f->in_channels > 0) base.model.in_channels = f->in_channels;
    if (f->steps < 1 || f->rounds < 1 || f->batch_size < 1) {
      throw std::invalid_argument("--steps, --rounds and --batch-size must be >= 1");
    }
    std::vector<BenchConfig> configs;
    for (const auto& text : f->configs) configs.push_back(parse_bench_config(text));
    if (f->threads > 0) torch::set_num_threads(f->threads);
    torch::manual_seed(0);
    const auto& m = base.model;
    const torch::Tensor images = torch::randn({f->batch_size, m.in_channels, m.input_size, m.input_size});
    const torch::Tensor labels = torch::randint(m.classes, {f->batch_size}, torch::kInt64);

    struct Entry {
      std::string name;
      BenchConfig config;
      std::shared_ptr<models::Network> model;
      train::OptimizerBundle opt;
      std::vector<double> seconds;
    };
    std::vector<Entry> entries;
    for (size_t i = 0; i < configs.size(); ++i) {
      train::TrainConfig c = base;
      c.model.width = configs[i].width;
      c.model.weight_bits = configs[i].precision.weight_bits;
      c.model.activation_bits = configs[i].precision.activation_bits;
      torch::manual_seed(0);
      Entry e{f->configs[i], configs[i], models::build_model(c.model), {}, {}};
      e.opt = train::make_optimizer(*e.model, c);
      const ConfigScope scope(e.config);
      time_steps(*e.model, c, e.opt, images, labels, 2);  // warm-up
      entries.push_back(std::move(e));
    }
    const std::string load_before = load_average();
    for (int64_t r = 0; r < f->rounds; ++r) {  // interleaved: load drifts hit all alike
      for (auto& e : entries) {
        const ConfigScope scope(e.config);
        e.seconds.push_back(time_steps(*e.model, base, e.opt, images, labels, f->steps));
      }
    }
    nlohmann::json out = nlohmann::json::array();
    double baseline = 0;
    if (!f->json) {
      fmt::print("{}; {}\n", kernels::compute_backends_line(), train::freed_memory_status());
      fmt::print(
          "{} on {}x{}x{}, batch {}, {} threads, median of {} rounds x {} steps; "
          "load average {} before, {} after\n",
          m.name, m.in_channels, m.input_size, m.input_size, f->batch_size, torch::get_num_threads(), f->rounds,
          f->steps, load_before, load_average());
      fmt::print(
          "(float: LibTorch float ops; int8: forward as the int8 GEMM of the codes, conv "
          "outputs kept; +bf16: conv backward in bf16; +recompute: conv outputs recomputed "
          "in backward; autocast: LibTorch bf16 autocast; {}, +libtorch-bn: LibTorch's)\n",
          nn::batch_norm_status(nn::BatchNormKernels::kWrpn));
      fmt::print("{:<22} {:>12} {:>10} {:>16}\n", "config", "images/s", "ms/step", "speed vs first");
    }
    for (auto& e : entries) {
      std::sort(e.seconds.begin(), e.seconds.end());
      const double t = e.seconds[e.seconds.size() / 2];
      if (baseline == 0) baseline = t;
      const double rate = double(f->batch_size) / t;
      if (f->json) {
        out.push_back(
            {{"config", e.name}, {"images_per_s", rate}, {"ms_per_step", t * 1e3}, {"speed_ratio", baseline / t}});
      } else {
        fmt::print("{:<22} {:>12.1f} {:>10.2f} {:>15.3f}x\n", e.name, rate, t * 1e3, baseline / t);
      }
    }
    if (f->json) fmt::print("{}\n", out.dump(2));
    if (f->profile && !f->json) {
      for (auto& e : entries) {
        const ConfigScope scope(e.config);
        const auto ops = profile_ops([&] { time_steps(*e.model, base, e.opt, images, labels, 1); }, f->steps);
        fmt::print("\nprofile of {} ({} steps; the profiler adds its own time per op):\n{}", e.name, f->steps,
                   op_profile_table(ops, 16));
      }
    }
    return 0;
  });
}

}  // namespace cli
}  // namespace wrpn
