#include "train_flags.h"

#include "wrpn/models/network_json.h"
#include "wrpn/nn/weight_param.h"

namespace wrpn {
namespace cli {

template <typename T>
void TrainFlags::bind(CLI::App* app, const std::string& name, T& scratch_field,
                      std::function<void(train::TrainConfig&)> copy, const std::string& help) {
  bound_.emplace_back(app->add_option(name, scratch_field, help), std::move(copy));
}

#define WRPN_FLAG(app, name, field, help) \
  bind(app, name, scratch_.field, [this](train::TrainConfig& c) { c.field = scratch_.field; }, help)

void TrainFlags::add_model_flags(CLI::App* app) {
  WRPN_FLAG(app, "--model", model.name, "registered model name (see `wrpn info --list`)");
  WRPN_FLAG(app, "--width", model.width, "width multiplier of the hidden layers (e.g. 1, 1.5, 2, 3)");
  WRPN_FLAG(app, "--wbits", model.weight_bits, "weight bits of the hidden layers: 1..8 or 32");
  WRPN_FLAG(app, "--abits", model.activation_bits, "activation bits: 1..8 or 32 (ReLU)");
  WRPN_FLAG(app, "--first-wbits", model.first_weight_bits, "weight bits of the first conv (default 32)");
  WRPN_FLAG(app, "--last-wbits", model.last_weight_bits, "weight bits of the classifier (default 32)");
  WRPN_FLAG(app, "--per-channel-alpha", model.per_channel_alpha,
            "1-bit weights: one scale per output channel");
  WRPN_FLAG(app, "--act-clip-sigmas", model.act_clip_sigmas,
            "where the activation clip sits at init, in batch-norm standard deviations: 0 = the "
            "default for the bits (1.22 at 1 bit, 2.90 at 2-4, the error-optimal clip above), 1 = the "
            "paper's literal recipe");
  bound_.emplace_back(app->add_option("--network", network_file_,
                                      "a network of your own instead of --model: a JSON list of blocks "
                                      "(docs/MODELS.md, \"Your own network\")"),
                      [this](train::TrainConfig& c) {
                        c.model.network = models::read_network_file(network_file_);
                        c.model.name = models::network_name(c.model.network);
                      });
  bound_.emplace_back(
      app->add_option("--weight-param", weight_param_,
                      "weight parametrisation: unit (default) or torch (collapses at low bits)"),
      [this](train::TrainConfig& c) { c.model.weight_param = nn::parse_weight_param(weight_param_); });
}

void TrainFlags::add_training_flags(CLI::App* app, bool run_folder_flags) {
  if (run_folder_flags) {
    app->add_option("--config", config_file, "JSON config file; flags given override its keys");
    WRPN_FLAG(app, "--out", out, "run folder (config.json, metrics.jsonl, checkpoint.pt)");
  }
  WRPN_FLAG(app, "--data", data_dir, "dataset folder (default: Debian's Fashion-MNIST)");
  WRPN_FLAG(app, "--dataset", dataset,
            "fashion-mnist (default), mnist, cifar10, cifar100 or imagefolder (DIR/train, DIR/val)");
  WRPN_FLAG(app, "--workers", workers, "data-loading worker threads (0: the training thread)");
  WRPN_FLAG(app, "--image-size", image_size, "imagefolder: training/evaluation crop size");
  WRPN_FLAG(app, "--skip-corrupt", skip_corrupt,
            "imagefolder: skip unreadable images and count them (true) or stop (false, default)");
  WRPN_FLAG(app, "--epochs", epochs, "training epochs");
  WRPN_FLAG(app, "--batch-size", batch_size, "samples per step");
  WRPN_FLAG(app, "--optimizer", optimizer, "sgd (default), adam or adamw");
  WRPN_FLAG(app, "--lr", lr, "peak learning rate");
  WRPN_FLAG(app, "--momentum", momentum, "SGD momentum");
  WRPN_FLAG(app, "--nesterov", nesterov, "SGD Nesterov momentum (true/false)");
  WRPN_FLAG(app, "--weight-decay", weight_decay, "weight decay of conv/linear weights");
  WRPN_FLAG(app, "--schedule", schedule, "cosine (default), step or constant");
  WRPN_FLAG(app, "--warmup-epochs", warmup_epochs, "linear warm-up epochs (may be fractional)");
  WRPN_FLAG(app, "--step-epochs", step_epochs, "step schedule: epochs between decays");
  WRPN_FLAG(app, "--gamma", gamma, "step schedule: decay factor");
  WRPN_FLAG(app, "--seed", seed, "random seed (initialisation, shuffling, augmentation)");
  WRPN_FLAG(app, "--threads", threads, "intra-op threads (0: all cores)");
  WRPN_FLAG(app, "--limit-train", limit_train, "use only the first N training images");
  WRPN_FLAG(app, "--limit-test", limit_test, "use only the first N test images");
  WRPN_FLAG(app, "--crop-padding", crop_padding, "augmentation: random crop after padding by N pixels");
  WRPN_FLAG(app, "--flip", flip, "augmentation: random horizontal flip (true/false)");
  WRPN_FLAG(app, "--packed-saving", packed_saving,
            "keep saved activations as packed k-bit codes (true, default) or floats (false)");
  WRPN_FLAG(app, "--int8-forward", int8_forward,
            "k-bit layers' forward as the exact int8 GEMM of their codes (true, default) or float");
  WRPN_FLAG(app, "--backward-precision", backward_precision, "conv backward in fp32 (default) or bf16");
  WRPN_FLAG(app, "--recompute-conv-outputs", recompute_conv_outputs,
            "with the int8 forward, batch norm recomputes its input in backward (default false)");
}

#undef WRPN_FLAG

train::TrainConfig TrainFlags::resolve(train::TrainConfig config) const {
  if (!config_file.empty()) train::apply_json_file(config, config_file);
  for (const auto& [option, copy] : bound_) {
    if (option->count() > 0) copy(config);
  }
  config.validate();
  return config;
}

std::vector<std::string> TrainFlags::given() const {
  std::vector<std::string> names;
  for (const auto& [option, copy] : bound_) {
    if (option->count() > 0) names.push_back(option->get_name());
  }
  return names;
}

}  // namespace cli
}  // namespace wrpn
