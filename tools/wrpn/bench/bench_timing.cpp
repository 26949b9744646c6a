#include "bench_timing.h"

#include <fmt/format.h>

#include <ATen/autocast_mode.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>

namespace wrpn {
namespace cli {

CpuAutocast::CpuAutocast(bool on) : on_(on) {
  if (!on_) return;
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::set_cpu_enabled(true);
}

CpuAutocast::~CpuAutocast() {
  if (!on_) return;
  at::autocast::set_cpu_enabled(false);
  at::autocast::clear_cache();
}

double time_steps(models::Network& model, const train::TrainConfig& config, train::OptimizerBundle& opt,
                  const torch::Tensor& images, const torch::Tensor& labels, int64_t steps) {
  const auto start = std::chrono::steady_clock::now();
  for (int64_t s = 0; s < steps; ++s) {
    opt.optimizer->zero_grad();
    torch::nn::functional::cross_entropy(model.forward(images), labels).backward();
    opt.optimizer->step();
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / double(steps);
}

double time_forward(models::Network& model, const torch::Tensor& images) {
  const torch::NoGradGuard no_grad;
  const auto start = std::chrono::steady_clock::now();
  model.forward(images);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double images_per_second(const std::function<void()>& run, int batch, double seconds) {
  run();
  int64_t calls = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds || calls < 2) {
    run();
    ++calls;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return double(calls) * batch / elapsed;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one.empty() ? "n/a" : fmt::format("{} {} {}", one, five, fifteen);
}

}  // namespace cli
}  // namespace wrpn
