#include "wrpn/nn/batch_norm.h"

#include "wrpn/nn/batch_norm_training.h"
#include "wrpn/nn/packed_ops.h"

namespace wrpn {
namespace nn {

torch::Tensor BatchNorm2dImpl::forward(const torch::Tensor& input) {
  if (!is_training() || !options.track_running_stats() || !options.affine() || !num_batches_tracked.defined()) {
    return torch::nn::BatchNorm2dImpl::forward(input);
  }
  const bool recompute = recomputable_conv_output(input);
  if (!recompute && !own_batch_norm_takes(input)) return torch::nn::BatchNorm2dImpl::forward(input);
  _check_input_dim(input);
  // The running-statistics bookkeeping of LibTorch's BatchNormImplBase::forward, unchanged.
  num_batches_tracked += 1;
  const double factor = options.momentum() ? options.momentum().value() : 1.0 / num_batches_tracked.item<double>();
  if (recompute) return batch_norm_recomputing_input(input, weight, bias, running_mean, running_var, factor, options.eps());
  return batch_norm_training(input, weight, bias, running_mean, running_var, factor, options.eps());
}

}  // namespace nn
}  // namespace wrpn

// LibTorch 1.13 defines BatchNormImplBase<2>::pretty_print in its own library without
// exporting it, and a class derived from BatchNorm2dImpl needs it for its vtables: the same
// text, defined here.
template <>
void torch::nn::BatchNormImplBase<2, torch::nn::BatchNorm2dImpl>::pretty_print(std::ostream& stream) const {
  stream << "torch::nn::BatchNorm2d(" << options.num_features() << ", eps=" << options.eps() << ", momentum=";
  if (options.momentum()) {
    stream << options.momentum().value();
  } else {
    stream << "None";
  }
  stream << ", affine=" << (options.affine() ? "true" : "false")
         << ", track_running_stats=" << (options.track_running_stats() ? "true" : "false") << ")";
}
