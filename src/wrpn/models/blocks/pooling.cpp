#include "wrpn/models/blocks/pooling.h"

#include "wrpn/nn/packed_ops.h"

namespace wrpn {
namespace models {

torch::Tensor MaxPoolImpl::forward(const torch::Tensor& x) {
  const int64_t stride = options.stride() ? options.stride() : options.kernel();
  if (options.input_bits() > 0) {
    return nn::max_pool2d_saving_codes(x, options.kernel(), options.input_bits(), stride, options.padding());
  }
  return torch::max_pool2d(x, options.kernel(), stride, options.padding());
}

nn::ValueRef MaxPoolImpl::describe(nn::GraphSink& sink, nn::ValueRef x, const std::string&) const {
  const int64_t stride = options.stride() ? options.stride() : options.kernel();
  return sink.max_pool(x, int(options.kernel()), int(stride), int(options.padding()));
}

torch::Tensor AvgPoolImpl::forward(const torch::Tensor& x) { return torch::avg_pool2d(x, kernel_, stride_, padding_); }

nn::ValueRef AvgPoolImpl::describe(nn::GraphSink& sink, nn::ValueRef x, const std::string&) const {
  return sink.avg_pool(x, int(kernel_), int(stride_), int(padding_));
}

}  // namespace models
}  // namespace wrpn
