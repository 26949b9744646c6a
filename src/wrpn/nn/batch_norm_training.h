// Training batch norm on wrpn's kernels (kernels/batch_norm_kernels.h): LibTorch's results
// (at::native_batch_norm and its backward) up to float summation order. In a vgg_small 2x 4/4
// step LibTorch's forward took as long as the int8 convolutions before it; these run the
// forward 2.2-2.3x and the backward 1.1-1.3x faster (docs/PERFORMANCE.md). A process-wide
// switch, on by default; off, and for inputs the kernels do not take (not a contiguous 4-D CPU
// float tensor), LibTorch's batch norm runs.
#pragma once

#include <torch/torch.h>

#include <array>
#include <string>
#include <tuple>

namespace wrpn {
namespace nn {

enum class BatchNormKernels { kWrpn, kLibTorch };

/// "wrpn" | "libtorch"; throws std::invalid_argument naming the value otherwise.
BatchNormKernels parse_batch_norm_kernels(const std::string& text);
std::string to_string(BatchNormKernels k);

BatchNormKernels batch_norm_kernels();
void set_batch_norm_kernels(BatchNormKernels k);

/// RAII: sets the switch for a scope.
class BatchNormKernelsGuard {
 public:
  explicit BatchNormKernelsGuard(BatchNormKernels k);
  ~BatchNormKernelsGuard();

 private:
  BatchNormKernels previous_;
};

/// True when the switch is on and wrpn's kernels take x (training: more than one value per
/// channel).
bool own_batch_norm_takes(const torch::Tensor& x);

/// at::native_batch_norm(x, ..., training=true, momentum, eps) on wrpn's kernels: the output,
/// the batch mean and 1/sqrt(biased variance + eps) per channel; the running statistics (if
/// defined) move by `momentum` towards the batch mean and unbiased variance.
std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> batch_norm_train_forward(
    const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, const torch::Tensor& running_mean,
    const torch::Tensor& running_var, double momentum, double eps);

/// at::native_batch_norm_backward(g, x, weight, ..., mean, invstd, train=true): the gradients
/// for x, weight and bias that `needed` asks for (the others undefined).
std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> batch_norm_train_backward(const torch::Tensor& g,
                                                                                  const torch::Tensor& x,
                                                                                  const torch::Tensor& weight,
                                                                                  const torch::Tensor& mean,
                                                                                  const torch::Tensor& invstd,
                                                                                  std::array<bool, 3> needed);

/// The two above as one autograd op (x kept for the backward).
torch::Tensor batch_norm_training(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                  const torch::Tensor& running_mean, const torch::Tensor& running_var, double momentum,
                                  double eps);

/// One phrase for start-up lines: "batch norm on wrpn's kernels" or "LibTorch's batch norm".
std::string batch_norm_status(BatchNormKernels k);

}  // namespace nn
}  // namespace wrpn
