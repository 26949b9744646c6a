// Optimisers with one parameter group per quantized layer, so that the constant weight gain
// of the unit parametrisation (nn/weight_param.h) does not change the training dynamics:
// for effective weight W = g * w, the update of w that moves W as the plain optimiser would is
//   SGD:   lr_w = lr / g^2,  weight_decay_w = weight_decay * g^2
//   Adam:  lr_w = lr / g,    weight_decay_w = weight_decay * g^2   (L2 added to the gradient)
//   AdamW: lr_w = lr / g,    weight_decay_w = weight_decay * g     (decoupled decay)
// Batch-norm parameters and biases form one more group, without weight decay.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "wrpn/models/model_spec.h"
#include "wrpn/train/train_config.h"

namespace wrpn {
namespace train {

struct OptimizerBundle {
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  /// The learning rate of each parameter group before scheduling.
  std::vector<double> base_lrs;
};

OptimizerBundle make_optimizer(models::Network& model, const TrainConfig& config);

/// Sets every group's learning rate to base * factor.
void set_lr_factor(OptimizerBundle& bundle, double factor);

/// Learning-rate factor at `step` (0-based) of `total_steps`, with linear warm-up over
/// `warmup_steps`, then the config's schedule.
double lr_factor(const TrainConfig& config, int64_t step, int64_t steps_per_epoch);

}  // namespace train
}  // namespace wrpn
