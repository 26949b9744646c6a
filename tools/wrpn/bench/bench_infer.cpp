#include "bench_infer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include "bench_timing.h"
#include "deploy_common.h"
#include "wrpn/export/export_model.h"
#include "wrpn/kernels/onednn_conv.h"
#include "wrpn/kernels/compute_backends.h"
#include "wrpn/train/freed_memory.h"
#include "wrpn/kernels/target_info.h"
#include "wrpn/kernels/thread_pool.h"
#include "wrpn/measure/sweep_grid.h"
#include "wrpn/models/registry.h"
#include "wrpn/runtime/profile_table.h"
#include "wrpn/runtime/runtime.h"
#include "wrpn/train/memory_stats.h"

namespace wrpn {
namespace cli {
namespace {

struct InferBenchFlags {
  std::string model = "vgg_small";
  std::vector<std::string> configs = {"1:32/32", "1:4/4", "2:4/4", "1:2/2", "2:2/2", "1:1/1"};
  std::vector<int> batches = {1, 64};
  std::vector<int> threads = {1, 0};
  int rounds = 3;
  double seconds = 0.3;
  int in_channels = 0;  // 0: the model's default form (Fashion-MNIST 1x28x28 for the small models)
  int input_size = 0;
  std::string target;  // force a Highway target, e.g. AVX2 (with DNNL_MAX_CPU_ISA=AVX2 for oneDNN)
  bool profile = false;
};

struct Config {
  double width;
  measure::Precision precision;
  quant::Scheme quantizer = quant::Scheme::Wrpn;
  std::string label;
};

// WIDTH:WBITS/ABITS, optionally @QUANTIZER (2:4/4@dorefa: DoReFa's weights run as 5-bit codes).
Config parse_config(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument(fmt::format("--configs entries are WIDTH:WBITS/ABITS[@QUANTIZER], got '{}'", text));
  }
  const auto at = text.find('@', colon);
  Config c{std::stod(text.substr(0, colon)), measure::parse_precision(text.substr(colon + 1, at - colon - 1))};
  if (at != std::string::npos) c.quantizer = quant::parse_scheme(text.substr(at + 1));
  if (!(c.width > 0)) throw std::invalid_argument(fmt::format("width must be positive in '{}'", text));
  c.label = fmt::format("{:g}x {}/{}", c.width, c.precision.weight_bits, c.precision.activation_bits);
  if (c.quantizer != quant::Scheme::Wrpn) c.label += " " + quant::to_string(c.quantizer);
  return c;
}

struct Engines {
  Config config;
  std::shared_ptr<models::Network> fp32;  // the same network at 32/32 in LibTorch
  std::unique_ptr<runtime::Runtime> runtime;
  int64_t fp32_weight_bytes = 0;
};

// After the timed table, so profiling never touches its figures: each runtime at the last
// batch size and the first thread count, for --seconds.
void print_profiles(const InferBenchFlags& f, std::vector<Engines>& engines) {
  const int batch = f.batches.back(), threads = f.threads.front() <= 0 ? kernels::hardware_threads() : f.threads.front();
  for (Engines& e : engines) {
    const auto& s = e.runtime->model().input;
    std::vector<float> input(size_t(batch) * s.channels * s.height * s.width, 0.5f);
    std::vector<float> logits(size_t(batch) * e.runtime->classes());
    e.runtime->run(input.data(), batch, logits.data(), threads);  // warm: primitives made, buffers sized
    e.runtime->set_profiling(true);
    images_per_second([&] { e.runtime->run(input.data(), batch, logits.data(), threads); }, batch, f.seconds);
    fmt::print("\nprofile of {} on the runtime, batch {}, {} thread(s):\n{}", e.config.label, batch, threads,
               runtime::profile_table(e.runtime->profile()));
    e.runtime->set_profiling(false);
  }
}

int run_infer_bench(const InferBenchFlags& f) {
  if (f.rounds < 1 || !(f.seconds > 0)) throw std::invalid_argument("--rounds and --seconds must be positive");
  for (int b : f.batches) {
    if (b < 1) throw std::invalid_argument(fmt::format("--batches must be >= 1, got {}", b));
  }
  if (!f.target.empty()) {
    int64_t chosen = 0;
    std::string names;
    for (int64_t t : kernels::runnable_targets()) {
      names += (names.empty() ? "" : ", ") + kernels::target_name(t);
      if (kernels::target_name(t) == f.target) chosen = t;
    }
    if (chosen == 0) throw std::invalid_argument(fmt::format("--target {} is not runnable here ({})", f.target, names));
    kernels::force_target(chosen);
  }
  train::install_memory_stats();
  torch::manual_seed(0);
  std::vector<Engines> engines;
  for (const auto& text : f.configs) {
    Engines e;
    e.config = parse_config(text);
    models::ModelSpec spec;
    spec.name = f.model;
    spec.width = e.config.width;
    spec.weight_bits = e.config.precision.weight_bits;
    spec.activation_bits = e.config.precision.activation_bits;
    spec.quantizer = e.config.quantizer;
    if (f.in_channels > 0) spec.in_channels = f.in_channels;
    if (f.input_size > 0) spec.input_size = f.input_size;
    auto quantized = models::build_model(spec);
    runtime::InputSpec input{int(spec.in_channels), int(spec.input_size), int(spec.input_size), {}, {}};
    input.scale.assign(size_t(spec.in_channels), 1.0f / 255.0f);
    input.shift.assign(size_t(spec.in_channels), 0.0f);
    e.runtime = std::make_unique<runtime::Runtime>(exporter::export_model(*quantized, input, "{}"));
    spec.weight_bits = spec.activation_bits = 32;
    spec.quantizer = quant::Scheme::Wrpn;
    e.fp32 = models::build_model(spec);
    e.fp32->eval();
    e.fp32_weight_bytes = float_state_bytes(*e.fp32);
    engines.push_back(std::move(e));
  }
  const int hw = kernels::hardware_threads();
  const auto& form = engines[0].runtime->model().input;
  fmt::print("{}; {}\n", kernels::compute_backends_line(), train::freed_memory_status());
  fmt::print(
      "{} ({}x{}x{}) on this machine: SIMD target {}, {}; {} hardware threads; median of {} rounds of >= {:.2f} s "
      "each\n",
      f.model, form.channels, form.height, form.width, kernels::active_target_name(), kernels::onednn_tier_status(), hw,
      f.rounds, f.seconds);
  fmt::print("{:<16} {:>5} {:>7} {:>14} {:>14} {:>9} {:>12} {:>12} {:>12} {:>12}\n", "network", "batch", "threads",
             "LibTorch FP32", "wrpn runtime", "speedup", "vs 1x FP32", "FP32 act MB", "rt act MB", "rt wts KB");
  torch::NoGradGuard no_grad;
  for (int batch : f.batches) {
    for (int t : f.threads) {
      const int threads = t <= 0 ? hw : t;
      torch::set_num_threads(threads);
      const auto& s = engines[0].runtime->model().input;
      const torch::Tensor images = torch::rand({batch, s.channels, s.height, s.width});
      std::vector<float> input(size_t(batch) * s.channels * s.height * s.width, 0.5f);
      std::vector<float> logits;
      std::map<size_t, std::vector<double>> torch_rates, runtime_rates;
      for (int r = 0; r < f.rounds; ++r) {
        for (size_t i = 0; i < engines.size(); ++i) {
          Engines& e = engines[i];
          torch_rates[i].push_back(images_per_second([&] { e.fp32->forward(images); }, batch, f.seconds));
          logits.resize(size_t(batch) * e.runtime->classes());
          runtime_rates[i].push_back(
              images_per_second([&] { e.runtime->run(input.data(), batch, logits.data(), threads); }, batch, f.seconds));
        }
      }
      // The paper's question compares against the 1x FP32 network: the first 1x config's LibTorch rate.
      double baseline = 0;
      for (size_t i = 0; i < engines.size(); ++i) {
        if (engines[i].config.width == 1.0 && baseline == 0) baseline = median(torch_rates[i]);
      }
      for (size_t i = 0; i < engines.size(); ++i) {
        Engines& e = engines[i];
        train::reset_peak_tensor_bytes();
        const int64_t before = train::current_tensor_bytes();
        e.fp32->forward(images);
        const double torch_act_mb = double(train::peak_tensor_bytes() - before) / 1e6;
        const runtime::MemoryReport m = e.runtime->memory(batch, threads);
        const double tr = median(torch_rates[i]), rr = median(runtime_rates[i]);
        fmt::print("{:<16} {:>5} {:>7} {:>14.1f} {:>14.1f} {:>8.2f}x {:>11.2f}x {:>12.2f} {:>12.2f} {:>12.1f}\n",
                   e.config.label, batch, threads, tr, rr, rr / tr, baseline > 0 ? rr / baseline : 0.0, torch_act_mb,
                   double(m.activation_bytes + m.scratch_bytes) / 1e6, double(m.weight_bytes) / 1e3);
      }
    }
  }
  fmt::print("\nLibTorch FP32 weights: ");
  for (const auto& e : engines) fmt::print("{} {:.1f} KB  ", e.config.label, double(e.fp32_weight_bytes) / 1e3);
  fmt::print("\n");
  if (f.profile) print_profiles(f, engines);
  return 0;
}

}  // namespace

void add_infer_bench(CLI::App* bench, std::vector<std::function<int()>>& runs) {
  CLI::App* app = bench->add_subcommand(
      "infer", "Images/s of the packed low-bit runtime against the same network in LibTorch FP32");
  auto f = std::make_shared<InferBenchFlags>();
  app->add_option("--model", f->model, "zoo model (export must accept it)");
  app->add_option("--configs", f->configs, "WIDTH:WBITS/ABITS[@QUANTIZER] list (e.g. 2:4/4@lsq)")->delimiter(',');
  app->add_option("--batches", f->batches, "batch sizes")->delimiter(',');
  app->add_option("--threads", f->threads, "thread counts (0: all cores)")->delimiter(',');
  app->add_option("--rounds", f->rounds, "interleaved rounds (the median is reported)");
  app->add_option("--seconds", f->seconds, "minimum seconds per measurement");
  app->add_option("--in-channels", f->in_channels, "input channels (3 with --input-size 32: the CIFAR form)");
  app->add_option("--input-size", f->input_size, "input height = width (224: the ImageNet form of resnet18)");
  app->add_option("--target", f->target,
                  "force the kernels' SIMD target (e.g. AVX2; set DNNL_MAX_CPU_ISA=AVX2 to limit oneDNN alike)");
  app->add_flag("--profile", f->profile,
               "then print each runtime's time per node and kernel (last batch size, first thread count)");
  runs.push_back([app, f]() { return app->parsed() ? run_infer_bench(*f) : -1; });
}

}  // namespace cli
}  // namespace wrpn
