#include "wrpn/train/trainer.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "wrpn/data/batch_loader.h"
#include "wrpn/data/cifar.h"
#include "wrpn/data/image_folder.h"
#include "wrpn/data/mnist.h"
#include "wrpn/distributed/grad_sync.h"
#include "wrpn/distributed/process_group.h"
#include "wrpn/models/registry.h"
#include "wrpn/train/atomic_file.h"
#include "wrpn/train/checkpoint.h"
#include "wrpn/train/checkpoint_history.h"
#include "wrpn/train/epoch_state.h"
#include "wrpn/train/freed_memory.h"
#include "wrpn/train/memory_stats.h"
#include "wrpn/train/numerics_check.h"
#include "wrpn/kernels/compute_backends.h"
#include "wrpn/nn/batch_norm_training.h"
#include "wrpn/nn/matrix_units.h"
#include "wrpn/quant/packed_saving.h"
#include "wrpn/train/learning_check.h"
#include "wrpn/train/optimizer.h"
#include "wrpn/train/progress.h"
#include "wrpn/train/run_lock.h"

namespace wrpn {
namespace train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

nlohmann::json to_json(const EpochMetrics& m) {
  nlohmann::json j = {{"epoch", m.epoch},
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
          {"zero_fraction", m.zero_fraction},
          {"clipped_low", m.layers.clipped_low},
          {"clipped_high", m.layers.clipped_high},
          {"grad_norm", m.layers.grad_norm}};
  if (m.validation) {  // only with a held-out split: metrics stay as they were without one
    j["val_loss"] = m.validation->loss;
    j["val_acc"] = m.validation->top1;
  }
  return j;
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

// Sums `values` over the ranks of `group` (a no-op without one).
std::vector<double> sum_over_ranks(distributed::Group* group, std::vector<double> values, const std::string& what) {
  if (group == nullptr) return values;
  torch::Tensor t = torch::tensor(values, torch::kFloat64);
  group->allreduce_sum(t, what);
  return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()};
}

// Test-set results of every rank's shard, combined into those of the whole test set.
EvalResult combine_over_ranks(distributed::Group* group, const EvalResult& local) {
  const double n = double(local.samples);
  const auto sums = sum_over_ranks(group, {local.loss * n, local.top1 * n / 100.0, local.top5 * n / 100.0, n},
                                   "all-reduce of the test results");
  EvalResult r;
  r.samples = int64_t(std::llround(sums[3]));
  if (r.samples > 0) {
    r.loss = sums[0] / sums[3];
    r.top1 = 100.0 * std::round(sums[1]) / sums[3];
    r.top5 = 100.0 * std::round(sums[2]) / sums[3];
  }
  return r;
}

// One write(2) per line, so a full disk is named with its errno; a line torn by a kill is
// dropped by truncate_metrics on resume (it does not parse).
void append_line(const std::string& path, const std::string& line) {
  const std::string text = line + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  ssize_t written = fd < 0 ? -1 : ::write(fd, text.data(), text.size());
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (written != ssize_t(text.size()))
    throw std::runtime_error(fmt::format("cannot append {} bytes to {}: {}", text.size(), path,
                                         written < 0 ? std::strerror(err) : "short write"));
}

}  // namespace

std::string checkpoint_path(const std::string& run_folder) { return (fs::path(run_folder) / "checkpoint.pt").string(); }

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
    return std::make_shared<data::ImageFolder>((fs::path(c.data_dir) / "val").string(),
                                               data::ImageFolderOptions()
                                                   .image_size(c.image_size)
                                                   .train(false)
                                                   .skip_corrupt(c.skip_corrupt)
                                                   .classes(train_set->classes()));
  }
  return data::load_mnist(c.data_dir, train ? data::Split::Train : data::Split::Test, c.dataset);
}

namespace {

// Everything a run holds from its setup to its end.
struct Run {
  TrainConfig config;
  const TrainHooks* hooks = nullptr;
  std::shared_ptr<distributed::Group> group;
  int rank = 0, world = 1;
  bool writer = true;  // the one rank that writes files and prints
  std::string ckpt, metrics_path;
  /// Where the run continues: epochs completed, steps of the next epoch completed, and that
  /// epoch's totals then (a mid-epoch checkpoint).
  int64_t epochs_done = 0, steps_done = 0;
  nlohmann::json epoch_state;
  /// "checkpoint.pt (epoch 3, step 120)", for the messages that stop a run.
  std::string last_checkpoint = "none yet";
  std::shared_ptr<models::Network> model;
  OptimizerBundle opt;
  nlohmann::json resolved;
  nlohmann::json input_normalisation;  // what evaluation (and so export) normalises inputs with
  std::unique_ptr<distributed::GradSync> grad_sync;
  std::unique_ptr<data::BatchLoader> train_loader, test_loader;
  std::unique_ptr<data::BatchLoader> validation_loader;  // the held-out tail; null without one
  std::unique_ptr<RunLock> lock;  // the writer's, for the whole run
};

}  // namespace

nlohmann::json saved_run_config(const std::string& run_folder, bool* has_checkpoint) {
  const std::string ckpt = checkpoint_path(run_folder);
  const fs::path config_json = fs::path(run_folder) / "config.json";
  if (has_checkpoint) *has_checkpoint = fs::exists(ckpt);
  if (fs::exists(ckpt)) return read_checkpoint_meta(ckpt).config;
  if (!fs::exists(config_json)) {
    throw std::invalid_argument(
        fmt::format("nothing to resume in {}: it has neither checkpoint.pt nor config.json", run_folder));
  }
  std::ifstream in(config_json);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(fmt::format("{}: not a readable config ({})", config_json.string(), e.what()));
  }
}

namespace {

// The config to run: the given one, or on resume the saved one (only threads and out are taken
// from the caller): the checkpoint's, or, for a run stopped before its first checkpoint, its
// config.json, from which it starts again (`resume` becomes false). Validated; threads and
// seed set.
TrainConfig resolve_config(TrainConfig config, bool& resume, const TrainHooks& hooks, bool writer,
                           CheckpointMeta& resumed) {
  if (resume) {
    bool has_checkpoint = false;
    const nlohmann::json saved = saved_run_config(config.out, &has_checkpoint);
    const int threads = config.threads;
    const std::string out = config.out;
    config = TrainConfig{};
    apply_json(config, saved, has_checkpoint ? checkpoint_path(out) : out + "/config.json");
    config.threads = threads;
    config.out = out;
    if (has_checkpoint) {
      resumed = read_checkpoint_meta(checkpoint_path(out));
    } else {
      resume = false;
      if (writer && hooks.verbose) {
        fmt::print(
            "no checkpoint in {} yet (the run stopped before its first epoch ended): starting it again from "
            "its config.json\n",
            out);
      }
    }
  }
  config.validate(/*registered_model=*/!hooks.build_model);
  if (config.threads > 0) torch::set_num_threads(config.threads);
  torch::manual_seed(config.seed);
  return config;
}

// The held-out tail's images: validation_fraction of the training set, at least 1 when asked.
int64_t held_out_images(const TrainConfig& config, int64_t train_images) {
  if (config.validation_fraction == 0) return 0;
  if (config.dataset == "imagefolder") {
    throw std::invalid_argument(
        "validation_fraction holds out images of a fixed-size dataset; an imagefolder augments its training "
        "images itself: put a validation folder of your own under --data instead");
  }
  const int64_t n = std::max<int64_t>(1, int64_t(std::floor(config.validation_fraction * double(train_images))));
  if (n >= train_images) {
    throw std::invalid_argument(fmt::format("validation_fraction {} holds out all {} training images",
                                            config.validation_fraction, train_images));
  }
  return n;
}

// Datasets, model, optimiser, run-folder files, gradient sync and loaders.
void set_up(Run& r, bool resume) {
  TrainConfig& config = r.config;
  const auto train_set = load_dataset(config, /*train=*/true);
  const auto test_set = load_dataset(config, /*train=*/false);
  config.model.in_channels = train_set->shape().channels;
  config.model.input_size = train_set->shape().height;
  config.model.classes = train_set->num_classes();

  r.model = r.hooks->build_model ? models::build_own_network(config.model, r.hooks->build_model)
                                 : models::build_model(config.model);
  r.opt = make_optimizer(*r.model, config);

  if (r.writer) {
    std::error_code ec;
    fs::create_directories(config.out, ec);
    if (ec) throw std::runtime_error(fmt::format("cannot create the run folder {}: {}", config.out, ec.message()));
    r.lock = std::make_unique<RunLock>(config.out);
  }
  r.metrics_path = (fs::path(config.out) / "metrics.jsonl").string();
  r.resolved = to_json(config);
  r.input_normalisation = {{"mean", test_set->channel_mean()}, {"std", test_set->channel_std()}};
  if (resume) {
    load_checkpoint(r.ckpt, *r.model, r.opt.optimizer.get());
    if (r.writer) truncate_metrics(r.metrics_path, r.epochs_done);
  } else if (r.writer) {
    write_file_atomically((fs::path(config.out) / "config.json").string(), r.resolved.dump(2) + "\n");
    write_file_atomically(r.metrics_path, "");
  }
  if (r.group) {
    distributed::broadcast_module(*r.group, *r.model);
    r.grad_sync = std::make_unique<distributed::GradSync>(r.model->parameters(), r.group);
  }
  const int64_t held_out = held_out_images(config, train_set->size());
  const int64_t trained = train_set->size() - held_out;
  r.train_loader = std::make_unique<data::BatchLoader>(train_set, data::LoaderOptions()
                                                                      .batch_size(config.batch_size)
                                                                      .shuffle(true)
                                                                      .seed(config.seed)
                                                                      .crop_padding(config.crop_padding)
                                                                      .flip(config.flip)
                                                                      .limit(config.limit_train > 0
                                                                                 ? std::min(config.limit_train, trained)
                                                                                 : trained)
                                                                      .workers(config.workers)
                                                                      .rank(r.rank)
                                                                      .world_size(r.world));
  // Evaluation reads in order, in larger batches than training.
  const data::LoaderOptions evaluation = data::LoaderOptions()
                                             .batch_size(std::max<int64_t>(config.batch_size, 256))
                                             .shuffle(false)
                                             .workers(config.workers)
                                             .rank(r.rank)
                                             .world_size(r.world);
  r.test_loader = std::make_unique<data::BatchLoader>(test_set, data::LoaderOptions(evaluation).limit(config.limit_test));
  if (held_out > 0) {
    r.validation_loader = std::make_unique<data::BatchLoader>(train_set, data::LoaderOptions(evaluation).offset(trained));
  }
}

// One optimiser step on batch b of `epoch`; false when the batch had no readable image.
bool train_step(Run& r, int64_t epoch, int64_t b, EpochTotals& t, LayerStatsCollector& layer_stats) {
  const TrainConfig& config = r.config;
  const int64_t steps_per_epoch = r.train_loader->num_batches();
  const double factor = lr_factor(config, epoch * steps_per_epoch + b, steps_per_epoch);
  set_lr_factor(r.opt, factor);
  t.lr = config.lr * factor;
  const data::Batch batch = r.train_loader->batch(epoch, b);
  t.skipped += batch.skipped;
  const int64_t n = batch.labels.size(0);
  // Every image of the batch was unreadable. A rank of a group still joins the all-reduce,
  // with zero gradients.
  if (n == 0 && !r.group) return false;
  r.opt.optimizer->zero_grad();
  reset_peak_tensor_bytes();
  if (r.grad_sync) r.grad_sync->begin_step();
  if (n > 0) {
    const torch::Tensor logits = r.model->forward(batch.images);
    if (const std::string buffer = first_non_finite_buffer(*r.model); !buffer.empty()) {
      throw std::runtime_error(fmt::format("batch-norm statistic {} became NaN or Inf at epoch {} step {} (lr {:.4g}); "
                                           "the last good checkpoint is {}",
                                           buffer, epoch + 1, b, t.lr, r.last_checkpoint));
    }
    torch::Tensor loss;
    double loss_value = 0;
    if (r.group) {
      // Divided by the global batch, so that the sum over the ranks is the global mean.
      const int64_t global_n = std::min(config.batch_size, r.train_loader->num_samples() - b * config.batch_size);
      const torch::Tensor loss_sum_here = torch::nn::functional::cross_entropy(
          logits, batch.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
      loss_value = loss_sum_here.item<double>() / double(n);
      loss = loss_sum_here / double(global_n);
    } else {
      loss = torch::nn::functional::cross_entropy(logits, batch.labels);
      loss_value = loss.item<double>();
    }
    if (!std::isfinite(loss_value)) {
      throw std::runtime_error(
          fmt::format("loss became {} at epoch {} step {} (lr {:.4g}); the last good checkpoint is {}", loss_value,
                      epoch + 1, b, t.lr, r.last_checkpoint));
    }
    loss.backward();
    t.loss_sum += loss_value * double(n);
    t.correct += count_topk_correct(logits.detach(), batch.labels, 1);
  }
  if (r.grad_sync) r.grad_sync->finish_step();
  if (const std::string param = first_non_finite_gradient(*r.model); !param.empty()) {
    throw std::runtime_error(fmt::format("the gradient of {} became NaN or Inf at epoch {} step {} (lr {:.4g}); the "
                                         "last good checkpoint is {}",
                                         param, epoch + 1, b, t.lr, r.last_checkpoint));
  }
  layer_stats.after_backward();
  r.opt.optimizer->step();
  t.peak_step_bytes = std::max(t.peak_step_bytes, peak_tensor_bytes());
  t.seen += n;
  return true;
}

std::string checkpoint_label(const std::string& path, int64_t epochs_done, int64_t steps_done) {
  if (steps_done > 0) return fmt::format("{} (epoch {}, step {})", path, epochs_done + 1, steps_done);
  return fmt::format("{} (end of epoch {})", path, epochs_done);
}

// Every rank's totals (an all-reduce of one row per rank; all ranks call it).
std::vector<EpochTotals> gather_totals(const Run& r, const EpochTotals& t) {
  if (!r.group) return {t};
  const std::vector<double> mine = to_values(t);
  std::vector<double> rows(mine.size() * size_t(r.world), 0.0);
  std::copy(mine.begin(), mine.end(), rows.begin() + std::ptrdiff_t(mine.size() * size_t(r.rank)));
  rows = sum_over_ranks(r.group.get(), rows, "all-reduce of the epoch's totals for a checkpoint");
  std::vector<EpochTotals> all;
  for (int i = 0; i < r.world; ++i) {
    const auto first = rows.begin() + std::ptrdiff_t(mine.size() * size_t(i));
    all.push_back(totals_from_values({first, first + std::ptrdiff_t(mine.size())}));
  }
  return all;
}

// checkpoint.pt for `meta` (rank 0 writes), its history, and the name the stop messages give.
void write_checkpoint(Run& r, const CheckpointMeta& meta) {
  const int64_t steps_per_epoch = r.train_loader->num_batches();
  const int64_t global_step = meta.epochs_done * steps_per_epoch + meta.steps_done;
  if (r.writer) {
    save_checkpoint(r.ckpt, *r.model, r.opt.optimizer.get(), meta);
    keep_checkpoint_history(r.ckpt, global_step, r.config.keep_checkpoints);
  }
  r.last_checkpoint = checkpoint_label(r.ckpt, meta.epochs_done, meta.steps_done);
}

// A checkpoint after step `steps_done` of `epoch` (not its last): the model and optimiser, and
// the epoch's totals so far, so that the resumed epoch ends as an uninterrupted one would.
void write_step_checkpoint(Run& r, int64_t epoch, int64_t steps_done, EpochTotals t, double seconds,
                           const LayerStatsCollector& layer_stats) {
  t.seconds_before = seconds;
  const auto ranks = gather_totals(r, t);
  write_checkpoint(r, {epoch, r.resolved, r.input_normalisation, steps_done, epoch_state_json(ranks, layer_stats.state())});
}

// The steps of one epoch from `first_step` (a mid-epoch resume), then its totals over the
// ranks and the evaluation.
EpochMetrics run_epoch(Run& r, int64_t epoch, int64_t first_step, ProgressLine& progress,
                       LayerStatsCollector& layer_stats) {
  const TrainConfig& config = r.config;
  r.model->train();
  layer_stats.reset();
  EpochTotals t;
  if (first_step > 0) {
    t = totals_for_rank(r.epoch_state, r.rank, r.world, r.ckpt);
    try {
      layer_stats.restore(r.epoch_state.at("layers"));
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("{}: the epoch in progress cannot be resumed: {}", r.ckpt, e.what()));
    }
  }
  const auto epoch_start = Clock::now();
  const int64_t seen_before = t.seen;
  const int64_t steps_per_epoch = r.train_loader->num_batches();
  for (int64_t b = first_step; b < steps_per_epoch; ++b) {
    const bool stepped = train_step(r, epoch, b, t, layer_stats);
    const int64_t global_step = epoch * steps_per_epoch + b + 1;
    if (config.checkpoint_every > 0 && global_step % config.checkpoint_every == 0 && b + 1 < steps_per_epoch) {
      write_step_checkpoint(r, epoch, b + 1, t, t.seconds_before + seconds_since(epoch_start), layer_stats);
    }
    if (r.hooks->after_step) r.hooks->after_step(epoch, b);
    if (!stepped) continue;
    const double elapsed = seconds_since(epoch_start);
    const double rate = double((t.seen - seen_before) * r.world) / std::max(elapsed, 1e-9);
    const double remaining_images = double((config.epochs - epoch) * r.train_loader->num_samples() - t.seen * r.world);
    progress.update(fmt::format("epoch {}/{}", epoch + 1, config.epochs), b + 1, steps_per_epoch, rate,
                    t.loss_sum / double(t.seen), remaining_images / rate);
  }
  progress.finish();
  const auto totals = sum_over_ranks(r.group.get(), {t.loss_sum, double(t.correct), double(t.seen), double(t.skipped)},
                                     "all-reduce of the epoch's training totals");
  const int64_t seen = int64_t(std::llround(totals[2]));
  EpochMetrics m;
  m.epoch = epoch + 1;
  m.seconds = t.seconds_before + seconds_since(epoch_start);
  m.images_per_s = double(seen) / std::max(m.seconds, 1e-9);
  m.train_loss = totals[0] / double(std::max<int64_t>(seen, 1));
  m.train_acc = 100.0 * double(int64_t(std::llround(totals[1]))) / double(std::max<int64_t>(seen, 1));
  m.lr = t.lr;
  m.peak_step_bytes = t.peak_step_bytes;
  m.skipped_images = int64_t(std::llround(totals[3]));
  // Without synchronised batch norm the ranks' running statistics drift apart; rank 0's are
  // the ones evaluated and saved.
  if (r.group) distributed::broadcast_buffers(*r.group, *r.model);
  m.test = combine_over_ranks(r.group.get(), evaluate(*r.model, *r.test_loader));
  if (r.validation_loader) m.validation = combine_over_ranks(r.group.get(), evaluate(*r.model, *r.validation_loader));
  m.zero_fraction = zero_fractions(*r.model);
  m.layers = layer_stats.stats();
  return m;
}

// metrics.jsonl, the checkpoint, the epoch line and each layer's first warning.
void finish_epoch(Run& r, const EpochMetrics& m, std::set<std::string>& warned_layers) {
  if (r.writer) append_line(r.metrics_path, to_json(m).dump());
  write_checkpoint(r, {m.epoch, r.resolved, r.input_normalisation, /*steps_done=*/0, nullptr});
  if (!r.writer) return;
  if (r.hooks->verbose) {
    double max_zero = 0;
    for (const auto& kv : m.zero_fraction) max_zero = std::max(max_zero, kv.second);
    fmt::print(
        "epoch {:>3}/{}  train loss {:.4f} acc {:.2f}%  {}test loss {:.4f} acc {:.2f}%  "
        "{:.0f} img/s  lr {:.4g}  peak {:.0f} MiB  max zero-weight fraction {:.3f}\n",
        m.epoch, r.config.epochs, m.train_loss, m.train_acc,
        m.validation ? fmt::format("val acc {:.2f}%  ", m.validation->top1) : "", m.test.loss, m.test.top1,
        m.images_per_s, m.lr, double(m.peak_step_bytes) / (1 << 20), max_zero);
    std::fflush(stdout);
  }
  // Said once per run, for the first epoch that did not learn.
  if (const std::string w = not_learning_warning(m.epoch, m.train_loss, m.test.top1, r.config.model.classes,
                                                 r.config.warmup_epochs, r.config.lr);
      !w.empty() && warned_layers.insert("(not learning)").second) {
    fmt::print(stderr, "warning: {}\n", w);
  }
  // Each layer is named once per run; metrics.jsonl has its figures every epoch.
  for (const LayerWarning& w : layer_warnings(m.layers)) {
    if (warned_layers.insert(w.layer).second) {
      fmt::print(stderr, "warning: epoch {}: {}; per-epoch figures in {}{}\n", m.epoch, w.message, r.metrics_path,
                 w.saturated ? " (if training stalls: --act-clip-sigmas, docs/TRAINING.md)" : "");
    }
  }
}

}  // namespace

TrainResult run_training(TrainConfig config, bool resume, const TrainHooks& hooks,
                         std::shared_ptr<distributed::Group> group) {
  Run r;
  r.hooks = &hooks;
  r.group = group;
  r.rank = group ? group->rank() : 0;
  r.world = group ? group->size() : 1;
  r.writer = r.rank == 0;
  r.ckpt = checkpoint_path(config.out);
  CheckpointMeta resumed;
  r.config = resolve_config(std::move(config), resume, hooks, r.writer, resumed);
  if (resume) {
    r.epochs_done = resumed.epochs_done;
    r.steps_done = resumed.steps_done;
    r.epoch_state = resumed.epoch_state;
    r.last_checkpoint = checkpoint_label(r.ckpt, r.epochs_done, r.steps_done);
  }
  install_memory_stats();
  const quant::PackedSavingGuard packed_saving(r.config.packed_saving);
  const nn::MatrixUnits units{r.config.int8_forward, nn::parse_backward_precision(r.config.backward_precision),
                              r.config.recompute_conv_outputs};
  const nn::MatrixUnitsGuard matrix_units(units);
  const nn::BatchNormKernels batch_norm = nn::parse_batch_norm_kernels(r.config.batch_norm);
  const nn::BatchNormKernelsGuard batch_norm_kernels(batch_norm);
  set_up(r, resume);
  if (hooks.verbose && r.writer) {
    fmt::print("compute: {}; {}; {}; {}\n", kernels::compute_backends_line(), nn::matrix_units_status(units),
               nn::batch_norm_status(batch_norm), freed_memory_status());
  }

  ProgressLine progress(r.writer && hooks.progress && ProgressLine::stderr_is_terminal());
  TrainResult result;
  result.model = r.model;
  LayerStatsCollector layer_stats(*r.model);
  std::set<std::string> warned_layers;
  for (int64_t epoch = r.epochs_done; epoch < r.config.epochs; ++epoch) {
    const EpochMetrics m = run_epoch(r, epoch, epoch == r.epochs_done ? r.steps_done : 0, progress, layer_stats);
    finish_epoch(r, m, warned_layers);
    result.last = m;
    ++result.epochs_run;
    if (hooks.after_epoch && !hooks.after_epoch(m)) break;
  }
  return result;
}

}  // namespace train
}  // namespace wrpn
