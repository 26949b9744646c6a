#include "wrpn/train/trainer.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "wrpn/data/batch_loader.h"
#include "wrpn/data/cifar.h"
#include "wrpn/data/image_folder.h"
#include "wrpn/data/mnist.h"
#include "wrpn/models/registry.h"
#include "wrpn/train/atomic_file.h"
#include "wrpn/train/checkpoint.h"
#include "wrpn/train/memory_stats.h"
#include "wrpn/quant/packed_saving.h"
#include "wrpn/train/optimizer.h"
#include "wrpn/train/progress.h"

namespace wrpn {
namespace train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

nlohmann::json to_json(const EpochMetrics& m) {
  return {{"epoch", m.epoch},
          {"train_loss", m.train_loss},
          {"train_acc", m.train_acc},
          {"test_loss", m.test.loss},
          {"test_acc", m.test.top1},
          {"test_top5", m.test.top5},
          {"img_per_s", m.images_per_s},
          {"lr", m.lr},
          {"epoch_seconds", m.seconds},
          {"peak_step_mb", double(m.peak_step_bytes) / (1 << 20)},
          {"skipped_images", m.skipped_images},
          {"zero_fraction", m.zero_fraction}};
}

// Keeps the metrics of epochs 1..epochs_done only: a run interrupted after writing an
// epoch's metrics but before its checkpoint would otherwise list that epoch twice.
void truncate_metrics(const std::string& path, int64_t epochs_done) {
  std::ifstream in(path);
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.value("epoch", int64_t{0}) <= epochs_done) kept += line + "\n";
  }
  write_file_atomically(path, kept);
}

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
  out.flush();
  if (!out) throw std::runtime_error(fmt::format("cannot append to {}", path));
}

}  // namespace

std::string checkpoint_path(const std::string& run_folder) {
  return (fs::path(run_folder) / "checkpoint.pt").string();
}

std::shared_ptr<data::Dataset> load_dataset(const TrainConfig& c, bool train) {
  const data::Split split = train ? data::Split::Train : data::Split::Test;
  if (c.dataset == "cifar10" || c.dataset == "cifar100") {
    return data::load_cifar(c.data_dir, split, c.dataset);
  }
  if (c.dataset == "imagefolder") {
    // Validation classes are the training folder's, so that the indices agree.
    const auto train_set = std::make_shared<data::ImageFolder>(
        (fs::path(c.data_dir) / "train").string(),
        data::ImageFolderOptions().image_size(c.image_size).train(true).skip_corrupt(c.skip_corrupt));
    if (train) return train_set;
    return std::make_shared<data::ImageFolder>(
        (fs::path(c.data_dir) / "val").string(), data::ImageFolderOptions()
                                                     .image_size(c.image_size)
                                                     .train(false)
                                                     .skip_corrupt(c.skip_corrupt)
                                                     .classes(train_set->classes()));
  }
  return data::load_mnist(c.data_dir, train ? data::Split::Train : data::Split::Test, c.dataset);
}

TrainResult run_training(TrainConfig config, bool resume, const TrainHooks& hooks) {
  const std::string ckpt = checkpoint_path(config.out);
  int64_t epochs_done = 0;
  if (resume) {
    const CheckpointMeta meta = read_checkpoint_meta(ckpt);
    const int threads = config.threads;
    const std::string out = config.out;
    config = TrainConfig{};
    apply_json(config, meta.config, ckpt);
    config.threads = threads;
    config.out = out;
    epochs_done = meta.epochs_done;
  }
  config.validate();
  if (config.threads > 0) torch::set_num_threads(config.threads);
  torch::manual_seed(config.seed);
  install_memory_stats();
  const quant::PackedSavingGuard packed_saving(config.packed_saving);

  const auto train_set = load_dataset(config, /*train=*/true);
  const auto test_set = load_dataset(config, /*train=*/false);
  config.model.in_channels = train_set->shape().channels;
  config.model.input_size = train_set->shape().height;
  config.model.classes = train_set->num_classes();

  auto model = models::build_model(config.model);
  OptimizerBundle opt = make_optimizer(*model, config);

  fs::create_directories(config.out);
  const std::string metrics_path = (fs::path(config.out) / "metrics.jsonl").string();
  const nlohmann::json resolved = to_json(config);
  if (resume) {
    load_checkpoint(ckpt, *model, opt.optimizer.get());
    truncate_metrics(metrics_path, epochs_done);
  } else {
    write_file_atomically((fs::path(config.out) / "config.json").string(), resolved.dump(2) + "\n");
    write_file_atomically(metrics_path, "");
  }

  data::BatchLoader train_loader(train_set, data::LoaderOptions()
                                                .batch_size(config.batch_size)
                                                .shuffle(true)
                                                .seed(config.seed)
                                                .crop_padding(config.crop_padding)
                                                .flip(config.flip)
                                                .limit(config.limit_train)
                                                .workers(config.workers));
  data::BatchLoader test_loader(test_set, data::LoaderOptions()
                                              .batch_size(std::max<int64_t>(config.batch_size, 256))
                                              .shuffle(false)
                                              .limit(config.limit_test)
                                              .workers(config.workers));
  const int64_t steps_per_epoch = train_loader.num_batches();
  ProgressLine progress(hooks.progress && ProgressLine::stderr_is_terminal());

  TrainResult result;
  result.model = model;
  for (int64_t epoch = epochs_done; epoch < config.epochs; ++epoch) {
    model->train();
    const auto epoch_start = Clock::now();
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, skipped = 0;
    double lr = 0;
    int64_t peak_step_bytes = 0;
    for (int64_t b = 0; b < steps_per_epoch; ++b) {
      const double factor = lr_factor(config, epoch * steps_per_epoch + b, steps_per_epoch);
      set_lr_factor(opt, factor);
      lr = config.lr * factor;
      const data::Batch batch = train_loader.batch(epoch, b);
      skipped += batch.skipped;
      if (batch.labels.size(0) == 0) continue;  // every image of the batch was unreadable
      opt.optimizer->zero_grad();
      reset_peak_tensor_bytes();
      const torch::Tensor logits = model->forward(batch.images);
      const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch.labels);
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        throw std::runtime_error(fmt::format(
            "loss became {} at epoch {} step {} (lr {:.4g}); the last good checkpoint is {}",
            loss_value, epoch + 1, b, lr, ckpt));
      }
      loss.backward();
      opt.optimizer->step();
      peak_step_bytes = std::max(peak_step_bytes, peak_tensor_bytes());
      const int64_t n = batch.labels.size(0);
      loss_sum += loss_value * double(n);
      correct += count_topk_correct(logits.detach(), batch.labels, 1);
      seen += n;
      const double elapsed = seconds_since(epoch_start);
      const double rate = double(seen) / std::max(elapsed, 1e-9);
      const double remaining_images =
          double((config.epochs - epoch) * train_loader.num_samples() - seen);
      progress.update(fmt::format("epoch {}/{}", epoch + 1, config.epochs), b + 1,
                      steps_per_epoch, rate, loss_sum / double(seen), remaining_images / rate);
    }
    progress.finish();
    EpochMetrics m;
    m.epoch = epoch + 1;
    m.seconds = seconds_since(epoch_start);
    m.images_per_s = double(seen) / std::max(m.seconds, 1e-9);
    m.train_loss = loss_sum / double(std::max<int64_t>(seen, 1));
    m.train_acc = 100.0 * double(correct) / double(std::max<int64_t>(seen, 1));
    m.lr = lr;
    m.peak_step_bytes = peak_step_bytes;
    m.skipped_images = skipped;
    m.test = evaluate(*model, test_loader);
    m.zero_fraction = zero_fractions(*model);

    append_line(metrics_path, to_json(m).dump());
    save_checkpoint(ckpt, *model, opt.optimizer.get(), {epoch + 1, resolved});
    if (hooks.verbose) {
      double max_zero = 0;
      for (const auto& kv : m.zero_fraction) max_zero = std::max(max_zero, kv.second);
      fmt::print("epoch {:>3}/{}  train loss {:.4f} acc {:.2f}%  test loss {:.4f} acc {:.2f}%  "
                 "{:.0f} img/s  lr {:.4g}  peak {:.0f} MiB  max zero-weight fraction {:.3f}\n",
                 m.epoch, config.epochs, m.train_loss, m.train_acc, m.test.loss, m.test.top1,
                 m.images_per_s, m.lr, double(m.peak_step_bytes) / (1 << 20), max_zero);
      std::fflush(stdout);
    }
    result.last = m;
    ++result.epochs_run;
    if (hooks.after_epoch && !hooks.after_epoch(m)) break;
  }
  return result;
}

}  // namespace train
}  // namespace wrpn
