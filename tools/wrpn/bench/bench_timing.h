// What the training benchmarks share: timing a step and a forward, process CPU time, the
// median of rounds, the load average printed beside every table, and bf16 autocast on a scope.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "wrpn/models/model_spec.h"
#include "wrpn/train/optimizer.h"
#include "wrpn/train/train_config.h"

namespace wrpn {
namespace cli {

// LibTorch's bf16 autocast on the CPU for a scope (convs and matmuls in bf16, the rest float).
class CpuAutocast {
 public:
  explicit CpuAutocast(bool on);
  ~CpuAutocast();

 private:
  bool on_;
};

/// Seconds per training step (forward, backward, SGD step) on a synthetic batch.
double time_steps(models::Network& model, const train::TrainConfig& config, train::OptimizerBundle& opt,
                  const torch::Tensor& images, const torch::Tensor& labels, int64_t steps);

/// Seconds of one forward pass without autograd.
double time_forward(models::Network& model, const torch::Tensor& images);

/// CPU seconds of this process (all its threads, user and system): unlike wall time, it does
/// not grow when other processes load the machine, so on/off ratios stay comparable.
double process_cpu_seconds();

double median(std::vector<double> v);

/// Images/s of `run()` on `batch` images, after one warm-up call (first touch, oneDNN
/// primitive creation), repeated until `seconds` have passed and at least twice.
double images_per_second(const std::function<void()>& run, int batch, double seconds);

/// "/proc/loadavg"'s three figures, or "n/a".
std::string load_average();

}  // namespace cli
}  // namespace wrpn
