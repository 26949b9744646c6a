#include "wrpn/nn/qrelu.h"

#include "wrpn/quant/bits.h"
#include "wrpn/quant/quantizers.h"

namespace wrpn {
namespace nn {

QReLUImpl::QReLUImpl(QReLUOptions options_) : options(options_) { reset(); }

void QReLUImpl::reset() { quant::check_bits(options.bits(), "QReLU activation bits"); }

torch::Tensor QReLUImpl::forward(const torch::Tensor& x) {
  return quant::quantize_activations(x, options.bits());
}

void QReLUImpl::pretty_print(std::ostream& stream) const {
  stream << "wrpn::QReLU(abits=" << options.bits() << ")";
}

}  // namespace nn
}  // namespace wrpn
