// QReLU: the activation quantizer, which replaces the ReLU (32 bits = a plain ReLU): WRPN's
// clip to [0, 1] by default, or PACT's learned clip or LSQ's learned step (quant/scheme.h).
#pragma once

#include <torch/torch.h>

#include "wrpn/quant/scheme.h"

namespace wrpn {
namespace nn {

struct QReLUOptions {
  /* implicit */ QReLUOptions(int bits = 32) : bits_(bits) {}
  /// Activation bits: 1..8, or 32 for a plain ReLU. Default 32.
  TORCH_ARG(int, bits);
  /// The quantizer (quant/scheme.h). Default WRPN's.
  TORCH_ARG(quant::Scheme, scheme) = quant::Scheme::Wrpn;
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
  /// Activation bits set after construction (models/layer_bits.h): PACT's alpha and LSQ's step
  /// are registered if the layer had none; at 32 bits (a ReLU) one left from before stops
  /// training.
  void set_bits(int bits);
  void pretty_print(std::ostream& stream) const override;
  /// x (any shape) -> same shape, values in {0, 1/n, ..., 1} (n = 2^bits - 1)
  torch::Tensor forward(const torch::Tensor& x);

  QReLUOptions options;
  /// The output's upper end: 1 (WRPN, DoReFa), alpha (PACT), Q_P x step (LSQ); +inf at 32 bits.
  double clip_value() const;

  /// Accumulated since the last reset by the trainer.
  ClipCounts clip_counts;
  /// PACT's learned clip (one element, 10 at the start), or undefined.
  torch::Tensor alpha;
  /// LSQ's learned step (one element), or undefined; set from the first training batch as the
  /// paper says (2 mean|x| / sqrt(Q_P)), which `step_initialised` (a buffer) records.
  torch::Tensor step;
  torch::Tensor step_initialised;
};

TORCH_MODULE(QReLU);

}  // namespace nn
}  // namespace wrpn
