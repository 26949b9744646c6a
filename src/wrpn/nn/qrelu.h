// QReLU: the WRPN activation quantizer, which replaces the ReLU (32 bits = a plain ReLU).
#pragma once

#include <torch/torch.h>

namespace wrpn {
namespace nn {

struct QReLUOptions {
  /* implicit */ QReLUOptions(int bits = 32) : bits_(bits) {}
  /// Activation bits: 1..8, or 32 for a plain ReLU. Default 32.
  TORCH_ARG(int, bits);
};

/// How many inputs the quantizer clipped, counted in training-mode forwards with gradients
/// on (what the trainer reports per layer and epoch).
struct ClipCounts {
  int64_t below = 0;  ///< inputs < 0: output 0, no gradient
  int64_t above = 0;  ///< inputs > 1: output 1, no gradient (none for a ReLU)
  int64_t total = 0;
  void add(const ClipCounts& o) {
    below += o.below;
    above += o.above;
    total += o.total;
  }
};

/// Counts the elements of `x` below 0 and above `hi` (hi = +inf for a ReLU).
ClipCounts count_clipped(const torch::Tensor& x, double hi);

class QReLUImpl : public torch::nn::Cloneable<QReLUImpl> {
 public:
  explicit QReLUImpl(QReLUOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  /// x (any shape) -> same shape, values in {0, 1/n, ..., 1} (n = 2^bits - 1)
  torch::Tensor forward(const torch::Tensor& x);

  QReLUOptions options;
  /// Accumulated since the last reset by the trainer.
  ClipCounts clip_counts;
};

TORCH_MODULE(QReLU);

}  // namespace nn
}  // namespace wrpn
