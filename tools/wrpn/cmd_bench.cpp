// wrpn bench train: training images/s of WRPN k-bit networks against full precision at the
// same width, measured in the same run (interleaved rounds, median of rounds).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <memory>
#include <ATen/autocast_mode.h>
#include <nlohmann/json.hpp>

#include "bench_infer.h"
#include "bench_dist.h"
#include "command.h"
#include "train_flags.h"
#include "wrpn/data/loader_bench.h"
#include "wrpn/kernels/compute_backends.h"
#include "wrpn/nn/matrix_units.h"
#include "wrpn/models/registry.h"
#include "wrpn/measure/sweep_grid.h"
#include "wrpn/models/summary.h"
#include "wrpn/quant/packed_saving.h"
#include "wrpn/train/memory_stats.h"
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
  std::vector<std::string> configs = {"1:32/32@float", "1:32/32@autocast", "1:4/4@float",
                                      "1:4/4@int8", "1:4/4@int8+bf16", "2:4/4@float",
                                      "2:4/4@int8+bf16"};
  int64_t input_size = 0;   // 0: the model's default
  int64_t in_channels = 0;  // 0: the model's default
  bool json = false;
};

struct BenchConfig {
  double width = 1;
  measure::Precision precision;
  std::string mode = "int8";
  nn::MatrixUnits units;
  bool autocast = false;
};

BenchConfig parse_bench_config(const std::string& text) {
  BenchConfig b;
  const auto colon = text.find(':');
  const auto at = text.find('@');
  if (colon == std::string::npos) {
    throw std::invalid_argument(fmt::format("--configs entry must look like WIDTH:WBITS/ABITS[@MODE], got '{}'", text));
  }
  b.width = std::stod(text.substr(0, colon));
  b.precision = measure::parse_precision(text.substr(colon + 1, at == std::string::npos ? std::string::npos : at - colon - 1));
  if (at != std::string::npos) b.mode = text.substr(at + 1);
  const std::string suffix = "+recompute";  // recompute conv outputs in backward, do not keep them
  const bool recomputes =
      b.mode.size() > suffix.size() && b.mode.compare(b.mode.size() - suffix.size(), suffix.size(), suffix) == 0;
  if (recomputes) b.mode.resize(b.mode.size() - suffix.size());
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
        "--configs mode must be float, int8, int8+bf16, bf16 or autocast (int8 modes may end in +recompute), got '{}' "
        "in '{}'", b.mode, text));
  }
  b.units.recompute_conv_outputs = recomputes;
  if (recomputes) b.mode += suffix;
  return b;
}

// LibTorch's bf16 autocast on the CPU for a scope (convs and matmuls in bf16, the rest float).
class CpuAutocast {
 public:
  explicit CpuAutocast(bool on) : on_(on) {
    if (!on_) return;
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
  }
  ~CpuAutocast() {
    if (!on_) return;
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
  }

 private:
  bool on_;
};

// Seconds per training step (forward, backward, SGD step) on a synthetic batch.
double time_steps(models::Network& model, const train::TrainConfig& config,
                  train::OptimizerBundle& opt, const torch::Tensor& images,
                  const torch::Tensor& labels, int64_t steps) {
  const auto start = std::chrono::steady_clock::now();
  for (int64_t s = 0; s < steps; ++s) {
    opt.optimizer->zero_grad();
    torch::nn::functional::cross_entropy(model.forward(images), labels).backward();
    opt.optimizer->step();
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
         double(steps);
}

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

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one.empty() ? "n/a" : fmt::format("{} {} {}", one, five, fifteen);
}

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

// Seconds of one forward pass without autograd: the price of recomputing every conv output
// in backward (an upper bound: it includes BN, quantizers and pooling).
double time_forward(models::Network& model, const torch::Tensor& images) {
  const torch::NoGradGuard no_grad;
  const auto start = std::chrono::steady_clock::now();
  model.forward(images);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds of this process (all its threads, user and system): unlike wall time, it does
// not grow when other processes load the machine, so on/off ratios stay comparable.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Peak CPU tensor memory of training steps and their time, packed saving on and off: one model
// per config, the switch toggled between interleaved rounds (A/B/B/A...), medians of the rounds.
void add_memory_bench(CLI::App* bench, std::vector<std::function<int()>>& runs) {
  CLI::App* app = bench->add_subcommand(
      "memory", "Peak training memory and step time, activations saved packed vs as floats");
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
    const torch::Tensor images =
        torch::randn({f->batch_size, m.in_channels, m.input_size, m.input_size});
    const torch::Tensor labels = torch::randint(m.classes, {f->batch_size}, torch::kInt64);
  fmt::print("{}\n", kernels::compute_backends_line());
    fmt::print("{} on {}x{}x{}, {} classes, batch {}, {} threads, median of {} rounds x {} steps "
               "per mode; load average {}\n",
               m.name, m.in_channels, m.input_size, m.input_size, m.classes, f->batch_size,
               torch::get_num_threads(), f->rounds, f->steps, load_average());
    fmt::print("peak = largest CPU tensor memory during a step (weights, gradients, optimiser "
               "state and the batch included)\n");
    fmt::print("(BN share: BN inputs / packed peak; fwd/step: a no-grad forward / a float step, "
               "the cost of recomputing the BN inputs in backward)\n");
    fmt::print("(time +%: wall time of a step, packed vs float; cpu +%: the same in process CPU "
               "time, which other processes' load does not inflate)\n");
    fmt::print("{:<10} {:>12} {:>12} {:>7} {:>11} {:>11} {:>8} {:>8} {:>10} {:>9} {:>9}\n", "config",
               "peak packed", "peak float", "ratio", "ms packed", "ms float", "time +%", "cpu +%",
               "BN in MiB", "BN share", "fwd/step");
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
      fmt::print("{:<10} {:>10.1f}MB {:>10.1f}MB {:>7.3f} {:>11.1f} {:>11.1f} {:>+7.1f}% {:>+7.1f}% "
                 "{:>10.1f} {:>8.0f}% {:>8.0f}%\n",
                 text, peak[1], peak[0], peak[1] / peak[0], ms_on, ms_off,
                 100.0 * (ms_on / ms_off - 1.0), 100.0 * (cpu_ratio - 1.0), bn, 100.0 * bn / peak[1],
                 100.0 * median(forward) * 1e3 / ms_off);
      std::fflush(stdout);
    }
    fmt::print("load average at the end: {}\n", load_average());
    return 0;
  });
}

struct LoaderFlags {
  data::LoaderBenchOptions bench;
  std::string model = "resnet34";
  int64_t train_batch = 16;
  int64_t train_steps = 2;
  int threads = 0;
  bool json = false;
};

// wrpn bench loader: loader images/s per worker against the training images/s of a model at
// the same image size on this machine, and the workers that keeps it fed.
int run_loader_bench(const LoaderFlags& f) {
  if (f.threads > 0) torch::set_num_threads(f.threads);
  const data::LoaderBenchResult r = data::run_loader_bench(f.bench);
  double per_thread = 0;
  for (const auto& row : r.rows) per_thread = std::max(per_thread, row.images_per_s_per_thread);

  train::TrainConfig c;
  c.model.name = f.model;
  c.model.classes = 1000;
  c.model.in_channels = 3;
  c.model.input_size = f.bench.image_size;
  torch::manual_seed(0);
  auto model = models::build_model(c.model);
  auto opt = train::make_optimizer(*model, c);
  const torch::Tensor images = torch::randn({f.train_batch, 3, c.model.input_size, c.model.input_size});
  const torch::Tensor labels = torch::randint(1000, {f.train_batch}, torch::kInt64);
  time_steps(*model, c, opt, images, labels, 1);  // warm-up
  const double step = time_steps(*model, c, opt, images, labels, f.train_steps);
  const double train_rate = double(f.train_batch) / step;
  const double needed = std::ceil(train_rate / per_thread);
  if (f.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : r.rows) {
      rows.push_back({{"workers", row.workers}, {"images_per_s", row.images_per_s},
                      {"images_per_s_per_thread", row.images_per_s_per_thread}});
    }
    fmt::print("{}\n", nlohmann::json{{"jpeg", fmt::format("{}x{}", f.bench.width, f.bench.height)},
                                      {"dct_scaling", f.bench.dct_scaling},
                                      {"mean_file_kb", r.mean_file_kb},
                                      {"image_size", f.bench.image_size},
                                      {"loader", rows},
                                      {"model", f.model},
                                      {"train_threads", torch::get_num_threads()},
                                      {"train_images_per_s", train_rate},
                                      {"workers_needed", needed}}
                                .dump(2));
    return 0;
  }
  fmt::print("{} generated {}x{} JPEGs ({:.0f} KB mean), random-resized crop + flip to {}x{}, "
             "DCT scaling {}\n",
             f.bench.images, f.bench.width, f.bench.height, r.mean_file_kb, f.bench.image_size,
             f.bench.image_size, f.bench.dct_scaling ? "on" : "off");
  fmt::print("{:<8} {:>12} {:>20}\n", "workers", "images/s", "images/s per thread");
  for (const auto& row : r.rows) {
    fmt::print("{:<8} {:>12.1f} {:>20.1f}\n", row.workers == 0 ? std::string("0 (main)")
                                                               : std::to_string(row.workers),
               row.images_per_s, row.images_per_s_per_thread);
  }
  fmt::print("{} training at {}x{}, batch {}, {} threads: {:.2f} images/s -> {:g} loader "
             "thread(s) keep it fed\n",
             f.model, f.bench.image_size, f.bench.image_size, f.train_batch,
             torch::get_num_threads(), train_rate, needed);
  return 0;
}

}  // namespace

Command add_bench_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand("bench", "Benchmarks measured in one run, as ratios");
  app->require_subcommand(1);
  CLI::App* train_app = app->add_subcommand(
      "train", "Training images/s of each precision against the first (full precision)");
  auto flags = std::make_shared<TrainFlags>();
  flags->add_model_flags(train_app);
  auto f = std::make_shared<BenchFlags>();
  train_app->add_option("--batch-size", f->batch_size, "images per step");
  train_app->add_option("--steps", f->steps, "timed steps per round");
  train_app->add_option("--rounds", f->rounds, "interleaved rounds (the median is reported)");
  train_app->add_option("--threads", f->threads, "intra-op threads (0: all cores)");
  train_app->add_option("--configs", f->configs,
                        "WIDTH:WBITS/ABITS[@float|int8|int8+bf16|bf16|autocast] list (+recompute: "
                        "recompute conv outputs in backward); the first is the baseline")
      ->delimiter(',');
  train_app->add_option("--input-size", f->input_size, "image side in pixels (0: the model's default)");
  train_app->add_option("--in-channels", f->in_channels, "image channels (0: the model's default; 3 with 32: CIFAR form)");
  train_app->add_flag("--json", f->json, "print JSON");

  CLI::App* loader_app = app->add_subcommand(
      "loader", "ImageNet loader images/s per worker thread against a model's training images/s");
  auto lf = std::make_shared<LoaderFlags>();
  loader_app->add_option("--images", lf->bench.images, "generated JPEGs");
  loader_app->add_option("--jpeg-width", lf->bench.width, "JPEG width (ImageNet typical: 500)");
  loader_app->add_option("--jpeg-height", lf->bench.height, "JPEG height (ImageNet typical: 375)");
  loader_app->add_option("--quality", lf->bench.quality, "JPEG quality of the generated files");
  loader_app->add_option("--dct-scaling", lf->bench.dct_scaling,
                         "decode at a reduced size when the crop allows (true/false)");
  loader_app->add_option("--image-size", lf->bench.image_size, "output side in pixels");
  loader_app->add_option("--batch-size", lf->bench.batch_size, "loader batch size");
  loader_app->add_option("--epochs", lf->bench.epochs, "timed passes over the images");
  loader_app->add_option("--workers", lf->bench.workers, "worker counts to time (0 = main thread)")
      ->delimiter(',');
  loader_app->add_option("--dir", lf->bench.dir, "folder for the JPEGs (default: a temporary one)");
  loader_app->add_option("--model", lf->model, "model whose training rate the loader must match");
  loader_app->add_option("--train-batch", lf->train_batch, "training batch for the model timing");
  loader_app->add_option("--train-steps", lf->train_steps, "timed training steps");
  loader_app->add_option("--threads", lf->threads, "intra-op threads of the training (0: all cores)");
  loader_app->add_flag("--json", lf->json, "print JSON");
  auto other_runs = std::make_shared<std::vector<std::function<int()>>>();
  add_memory_bench(app, *other_runs);
  add_infer_bench(app, *other_runs);
  add_dist_bench(app, *other_runs);
  return {app, [flags, f, lf, loader_app, other_runs]() {
            if (loader_app->parsed()) return run_loader_bench(*lf);
            for (const auto& run : *other_runs) {
              const int rc = run();
              if (rc >= 0) return rc;
            }
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
            const torch::Tensor images =
                torch::randn({f->batch_size, m.in_channels, m.input_size, m.input_size});
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
              const nn::MatrixUnitsGuard units(e.config.units);
              const CpuAutocast autocast(e.config.autocast);
              time_steps(*e.model, c, e.opt, images, labels, 2);  // warm-up
              entries.push_back(std::move(e));
            }
            const std::string load_before = load_average();
            for (int64_t r = 0; r < f->rounds; ++r) {  // interleaved: load drifts hit all alike
              for (auto& e : entries) {
                const nn::MatrixUnitsGuard units(e.config.units);
                const CpuAutocast autocast(e.config.autocast);
                e.seconds.push_back(time_steps(*e.model, base, e.opt, images, labels, f->steps));
              }
            }
            nlohmann::json out = nlohmann::json::array();
            double baseline = 0;
            if (!f->json) {
              fmt::print("{}\n", kernels::compute_backends_line());
              fmt::print("{} on {}x{}x{}, batch {}, {} threads, median of {} rounds x {} steps; "
                         "load average {} before, {} after\n",
                         m.name, m.in_channels, m.input_size, m.input_size, f->batch_size,
                         torch::get_num_threads(), f->rounds, f->steps, load_before, load_average());
              fmt::print("(float: LibTorch float ops; int8: forward as the int8 GEMM of the codes, conv "
                         "outputs kept; +bf16: conv backward in bf16; +recompute: conv outputs recomputed "
                         "in backward; autocast: LibTorch bf16 autocast)\n");
              fmt::print("{:<22} {:>12} {:>10} {:>16}\n", "config", "images/s", "ms/step",
                         "speed vs first");
            }
            for (auto& e : entries) {
              std::sort(e.seconds.begin(), e.seconds.end());
              const double t = e.seconds[e.seconds.size() / 2];
              if (baseline == 0) baseline = t;
              const double rate = double(f->batch_size) / t;
              if (f->json) {
                out.push_back({{"config", e.name}, {"images_per_s", rate}, {"ms_per_step", t * 1e3},
                               {"speed_ratio", baseline / t}});
              } else {
                fmt::print("{:<22} {:>12.1f} {:>10.2f} {:>15.3f}x\n", e.name, rate, t * 1e3, baseline / t);
              }
            }
            if (f->json) fmt::print("{}\n", out.dump(2));
            return 0;
          }};
}

}  // namespace cli
}  // namespace wrpn
