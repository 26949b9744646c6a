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

class QReLUImpl : public torch::nn::Cloneable<QReLUImpl> {
 public:
  explicit QReLUImpl(QReLUOptions options = {});
  void reset() override;
  void pretty_print(std::ostream& stream) const override;
  /// x (any shape) -> same shape, values in {0, 1/n, ..., 1} (n = 2^bits - 1)
  torch::Tensor forward(const torch::Tensor& x);

  QReLUOptions options;
};

TORCH_MODULE(QReLU);

}  // namespace nn
}  // namespace wrpn
