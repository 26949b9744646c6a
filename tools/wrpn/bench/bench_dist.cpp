#include "bench_dist.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "dist_flags.h"
#include "bench_timing.h"
#include "train_flags.h"
#include "wrpn/distributed/grad_sync.h"
#include "wrpn/kernels/compute_backends.h"
#include "wrpn/distributed/launcher.h"
#include "wrpn/models/registry.h"
#include "wrpn/train/optimizer.h"

namespace wrpn {
namespace cli {
namespace {

using Clock = std::chrono::steady_clock;

struct DistBenchFlags {
  int64_t batch_size = 64;  // global
  int64_t steps = 20;
  int64_t warmup = 2;
  int nproc = 2;
  int threads = 2;  // in all: 1 process x threads, or nproc processes x threads/nproc
  double bucket_mb = 25;
  std::string result;  // worker: rank 0 writes its measurements here
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A synthetic batch of the model's input shape, the same for a given seed.
std::pair<torch::Tensor, torch::Tensor> synthetic_batch(const models::ModelSpec& m, int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  return {torch::randn({n, m.in_channels, m.input_size, m.input_size}), torch::randint(m.classes, {n}, torch::kInt64)};
}

// Seconds per step of `steps` SGD steps; with `sync`, gradients are summed over the ranks.
double time_steps(models::Network& model, train::OptimizerBundle& opt, const torch::Tensor& x, const torch::Tensor& y,
                  int64_t steps, distributed::GradSync* sync) {
  const auto start = Clock::now();
  for (int64_t s = 0; s < steps; ++s) {
    opt.optimizer->zero_grad();
    if (sync) sync->begin_step();
    torch::nn::functional::cross_entropy(model.forward(x), y).backward();
    if (sync) sync->finish_step();
    opt.optimizer->step();
  }
  return seconds_since(start) / double(steps);
}

// Median seconds of `reps` blocking all-reduces of `numel` floats.
double time_allreduce(distributed::Group& group, int64_t numel, int reps) {
  torch::Tensor t = torch::ones({numel});
  std::vector<double> s;
  for (int r = 0; r < reps; ++r) {
    const auto start = Clock::now();
    group.allreduce_sum(t, "benchmark all-reduce");
    s.push_back(seconds_since(start));
  }
  std::sort(s.begin(), s.end());
  return s[s.size() / 2];
}

int run_worker(const train::TrainConfig& base, const DistBenchFlags& f, const distributed::DistOptions& options) {
  const auto group = join_group_from_environment(options);
  if (!group) throw std::invalid_argument("bench dist worker started without WORLD_SIZE > 1");
  torch::set_num_threads(std::max(1, f.threads / group->size()));
  torch::manual_seed(0);
  auto model = models::build_model(base.model);
  auto opt = train::make_optimizer(*model, base);
  distributed::broadcast_module(*group, *model);
  distributed::GradSync sync(model->parameters(), group, int64_t(f.bucket_mb * (1 << 20)));
  const int64_t per_rank = f.batch_size / group->size();
  const auto [x, y] = synthetic_batch(base.model, per_rank, 100 + uint64_t(group->rank()));
  time_steps(*model, opt, x, y, f.warmup, &sync);
  group->barrier("benchmark barrier");
  const double waited_before = sync.wait_seconds();
  const double step_s = time_steps(*model, opt, x, y, f.steps, &sync);
  const double wait_s = (sync.wait_seconds() - waited_before) / double(f.steps);
  group->barrier("benchmark barrier");
  const double allreduce_s = time_allreduce(*group, sync.gradient_bytes() / 4, 10);
  const double small_s = time_allreduce(*group, 1, 50);
  if (group->rank() == 0) {
    const nlohmann::json j = {{"step_s", step_s},
                              {"exposed_wait_s", wait_s},
                              {"allreduce_s", allreduce_s},
                              {"small_allreduce_s", small_s},
                              {"gradient_bytes", sync.gradient_bytes()},
                              {"buckets", sync.bucket_count()},
                              {"per_rank_batch", per_rank},
                              {"threads_per_process", torch::get_num_threads()}};
    std::ofstream(f.result) << j.dump() << "\n";
  }
  return 0;
}

int run_bench(const train::TrainConfig& base, const DistBenchFlags& f, const distributed::DistOptions& options,
              bool json) {
  if (f.nproc < 2 || f.batch_size % f.nproc != 0 || f.steps < 1 || f.warmup < 0 || f.threads < 1 ||
      !(f.bucket_mb > 0)) {
    throw std::invalid_argument(
        fmt::format("bench dist needs --nproc >= 2 dividing --batch-size, --steps >= 1, --threads >= 1, "
                    "--bucket-mb > 0; got --nproc {} --batch-size {} --steps {} --threads {} --bucket-mb {}",
                    f.nproc, f.batch_size, f.steps, f.threads, f.bucket_mb));
  }
  const std::string load_before = load_average();
  // 1 process x all threads.
  torch::set_num_threads(f.threads);
  torch::manual_seed(0);
  auto model = models::build_model(base.model);
  auto opt = train::make_optimizer(*model, base);
  const auto [x, y] = synthetic_batch(base.model, f.batch_size, 100);
  time_steps(*model, opt, x, y, f.warmup, nullptr);
  const double single_s = time_steps(*model, opt, x, y, f.steps, nullptr);

  // N processes x threads/N.
  const std::string result =
      (std::filesystem::temp_directory_path() / fmt::format("wrpn-bench-dist-{}.json", ::getpid())).string();
  distributed::LaunchOptions lo;
  lo.executable = self_executable();
  lo.args = worker_arguments();
  lo.args.insert(lo.args.end(), {"--result", result});
  lo.nproc = f.nproc;
  const distributed::LaunchResult launched = distributed::launch_workers(lo);
  if (launched.exit_code != 0) throw std::runtime_error(launched.failure);
  std::ifstream in(result);
  nlohmann::json w;
  in >> w;
  std::filesystem::remove(result);

  const double dist_s = w["step_s"];
  const double exposed = w["exposed_wait_s"];
  const double allreduce = w["allreduce_s"];
  const double small = w["small_allreduce_s"];
  const double bytes = w["gradient_bytes"];
  const int64_t buckets = w["buckets"];
  // Ring all-reduce over p machines: 2(p-1) latency-bound messages per bucket plus
  // 2(p-1)/p of the gradient bytes through each link. The per-message latency is taken from
  // the measured 4-byte all-reduce (2 messages for p = 2).
  const double alpha = small / 2.0;
  const auto ring = [&](int p, double gbit_per_s) {
    return double(buckets) * 2.0 * (p - 1) * alpha + 2.0 * (p - 1) / p * bytes / (gbit_per_s * 1e9 / 8.0);
  };
  // Weak scaling: each machine computes a step of the global batch as fast as the better of
  // the two setups measured here (the distributed one less its all-reduce wait), then its
  // gradients are all-reduced between machines without overlap (a bound: backward hides
  // part of it when there are several buckets).
  const double compute_s = std::min(single_s, dist_s - exposed);
  nlohmann::json projection = nlohmann::json::array();
  for (double gbps : {10.0, 25.0}) {
    const double t = ring(8, gbps);
    const double step = compute_s + t;
    projection.push_back({{"machines", 8},
                          {"link_gbit_per_s", gbps},
                          {"allreduce_ms", t * 1e3},
                          {"samples_per_s", 8.0 * double(f.batch_size) / step},
                          {"efficiency", compute_s / step}});
  }
  const nlohmann::json out = {{"model", base.model.label()},
                              {"global_batch", f.batch_size},
                              {"steps", f.steps},
                              {"single",
                               {{"processes", 1},
                                {"threads", f.threads},
                                {"samples_per_s", double(f.batch_size) / single_s},
                                {"ms_per_step", single_s * 1e3}}},
                              {"distributed",
                               {{"processes", f.nproc},
                                {"threads_per_process", w["threads_per_process"]},
                                {"samples_per_s", double(f.batch_size) / dist_s},
                                {"ms_per_step", dist_s * 1e3},
                                {"allreduce_exposed_ms_per_step", exposed * 1e3},
                                {"allreduce_blocking_ms", allreduce * 1e3},
                                {"allreduce_4byte_ms", small * 1e3},
                                {"gradient_mb", bytes / 1e6},
                                {"buckets", buckets}}},
                              {"projection_compute_ms", compute_s * 1e3},
                              {"projection_latency_ms", alpha * 1e3},
                              {"projection", projection},
                              {"load_average_before", load_before},
                              {"load_average_after", load_average()}};
  if (json) {
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{}\n", kernels::compute_backends_line());
  fmt::print("{}, global batch {}, {} timed steps after {} warm-up, synthetic inputs\n", base.model.label(),
             f.batch_size, f.steps, f.warmup);
  fmt::print("{:<26} {:>10} {:>10}\n", "setup", "samples/s", "ms/step");
  fmt::print("{:<26} {:>10.1f} {:>10.1f}\n", fmt::format("1 process x {} threads", f.threads),
             double(f.batch_size) / single_s, single_s * 1e3);
  fmt::print("{:<26} {:>10.1f} {:>10.1f}\n",
             fmt::format("{} processes x {} thread{}", f.nproc, w["threads_per_process"].get<int>(),
                         w["threads_per_process"].get<int>() > 1 ? "s" : ""),
             double(f.batch_size) / dist_s, dist_s * 1e3);
  fmt::print(
      "gradients: {:.2f} MB in {} bucket(s); all-reduce per step: {:.2f} ms waited for "
      "after backward (includes waiting for the slower rank), {:.2f} ms for a blocking "
      "all-reduce of all gradients; 4-byte all-reduce {:.3f} ms\n",
      bytes / 1e6, buckets, exposed * 1e3, allreduce * 1e3, small * 1e3);
  fmt::print(
      "8 machines, each computing a step of batch {} in {:.1f} ms, ring all-reduce "
      "2(p-1) x {:.3f} ms per bucket + 2(p-1)/p x {:.2f} MB / link:\n",
      f.batch_size, compute_s * 1e3, alpha * 1e3, bytes / 1e6);
  for (const auto& p : projection) {
    fmt::print(
        "8 machines at {:.0f} Gb/s: ring all-reduce {:.2f} ms/step, {:.0f} samples/s, "
        "efficiency {:.1f}%\n",
        p["link_gbit_per_s"].get<double>(), p["allreduce_ms"].get<double>(), p["samples_per_s"].get<double>(),
        100.0 * p["efficiency"].get<double>());
  }
  fmt::print("load average: {} before, {} after\n", load_before, load_average());
  return 0;
}

}  // namespace

void add_dist_bench(CLI::App* bench, std::vector<std::function<int()>>& runs) {
  CLI::App* app =
      bench->add_subcommand("dist", "Data-parallel samples/s: 1 process x T threads vs N processes x T/N threads");
  auto flags = std::make_shared<TrainFlags>();
  flags->add_model_flags(app);
  auto f = std::make_shared<DistBenchFlags>();
  auto options = std::make_shared<distributed::DistOptions>();
  auto json = std::make_shared<bool>(false);
  app->add_option("--batch-size", f->batch_size, "global batch (split over the processes)");
  app->add_option("--steps", f->steps, "timed steps");
  app->add_option("--warmup", f->warmup, "untimed steps first");
  app->add_option("--nproc", f->nproc, "processes of the distributed setup");
  app->add_option("--threads", f->threads, "threads in all (each process gets threads/nproc)");
  app->add_option("--dist-timeout", options->timeout_s, "seconds a worker waits for the others");
  app->add_option("--bucket-mb", f->bucket_mb, "gradient bucket size in MiB (default 25)");
  app->add_option("--result", f->result, "(internal) where a worker writes its measurements");
  app->add_flag("--json", *json, "print JSON");
  runs.push_back([app, flags, f, options, json]() {
    if (!app->parsed()) return -1;
    train::TrainConfig defaults;
    defaults.model.name = "vgg_small";
    defaults.model.width = 2;
    const train::TrainConfig base = flags->resolve(defaults);
    if (distributed::worker_env_from_environment()) return run_worker(base, *f, *options);
    return run_bench(base, *f, *options, *json);
  });
}

}  // namespace cli
}  // namespace wrpn
