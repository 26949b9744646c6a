#include "wrpn/train/optimizer.h"

#include <cmath>
#include <unordered_set>

#include "wrpn/nn/qrelu.h"
#include "wrpn/nn/weight_param.h"

namespace wrpn {
namespace train {
namespace {

std::unique_ptr<torch::optim::OptimizerOptions> group_options(const TrainConfig& c, double lr, double weight_decay) {
  if (c.optimizer == "sgd") {
    return std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(lr)
                                                          .momentum(c.momentum)
                                                          .nesterov(c.nesterov && c.momentum > 0)
                                                          .weight_decay(weight_decay));
  }
  if (c.optimizer == "adam") {
    return std::make_unique<torch::optim::AdamOptions>(torch::optim::AdamOptions(lr).weight_decay(weight_decay));
  }
  return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(lr).weight_decay(weight_decay));
}

}  // namespace

OptimizerBundle make_optimizer(models::Network& model, const TrainConfig& c) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  std::vector<double> base_lrs;
  std::unordered_set<const void*> grouped;
  for (const auto& module : model.modules(/*include_self=*/false)) {
    const auto* layer = dynamic_cast<const nn::QuantizedLayer*>(module.get());
    if (layer == nullptr) continue;
    const double g = layer->weight_gain();
    const double lr = c.optimizer == "sgd" ? c.lr / (g * g) : c.lr / g;
    const double wd = c.optimizer == "adamw" ? c.weight_decay * g : c.weight_decay * g * g;
    groups.emplace_back(std::vector<torch::Tensor>{layer->raw_weight()}, group_options(c, lr, wd));
    base_lrs.push_back(lr);
    grouped.insert(layer->raw_weight().unsafeGetTensorImpl());
    // LSQ's weight step is in the weight's units: the same learning rate, no weight decay.
    for (const auto& p : module->named_parameters(/*recurse=*/false)) {
      if (p.key() != "weight_step") continue;
      groups.emplace_back(std::vector<torch::Tensor>{p.value()}, group_options(c, lr, 0.0));
      base_lrs.push_back(lr);
      grouped.insert(p.value().unsafeGetTensorImpl());
    }
  }
  // PACT's clips, L2-regularised as the paper does (its lambda_alpha: the weight decay).
  std::vector<torch::Tensor> alphas;
  for (const auto& module : model.modules(/*include_self=*/false)) {
    const auto* act = dynamic_cast<const nn::QReLUImpl*>(module.get());
    if (act == nullptr || !act->alpha.defined()) continue;
    alphas.push_back(act->alpha);
    grouped.insert(act->alpha.unsafeGetTensorImpl());
  }
  if (!alphas.empty()) {
    groups.emplace_back(alphas, group_options(c, c.lr, c.weight_decay));
    base_lrs.push_back(c.lr);
  }
  std::vector<torch::Tensor> rest;
  for (const auto& p : model.parameters()) {
    if (grouped.count(p.unsafeGetTensorImpl()) == 0) rest.push_back(p);
  }
  if (!rest.empty()) {
    groups.emplace_back(rest, group_options(c, c.lr, /*weight_decay=*/0.0));
    base_lrs.push_back(c.lr);
  }
  OptimizerBundle bundle;
  if (c.optimizer == "sgd") {
    bundle.optimizer = std::make_unique<torch::optim::SGD>(groups, torch::optim::SGDOptions(c.lr));
  } else if (c.optimizer == "adam") {
    bundle.optimizer = std::make_unique<torch::optim::Adam>(groups, torch::optim::AdamOptions(c.lr));
  } else {
    bundle.optimizer = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(c.lr));
  }
  bundle.base_lrs = std::move(base_lrs);
  return bundle;
}

void set_lr_factor(OptimizerBundle& bundle, double factor) {
  auto& groups = bundle.optimizer->param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i].options().set_lr(bundle.base_lrs[i] * factor);
  }
}

double lr_factor(const TrainConfig& c, int64_t step, int64_t steps_per_epoch) {
  const double total = double(c.epochs * steps_per_epoch);
  const double warmup = c.warmup_epochs * double(steps_per_epoch);
  const double t = double(step);
  if (t < warmup) return (t + 1.0) / warmup;
  if (c.schedule == "constant") return 1.0;
  if (c.schedule == "step") {
    const int64_t epoch = step / steps_per_epoch;
    return std::pow(c.gamma, double(epoch / c.step_epochs));
  }
  const double progress = (t - warmup) / std::max(1.0, total - warmup);  // cosine
  return 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace train
}  // namespace wrpn
