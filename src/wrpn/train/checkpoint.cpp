#include "wrpn/train/checkpoint.h"

#include <fmt/format.h>

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>
#include <sstream>
#include <sys/stat.h>

#include "wrpn/train/atomic_file.h"
#include "wrpn/train/checkpoint_archive.h"
#include "wrpn/train/train_config.h"

namespace wrpn {
namespace train {
namespace {

constexpr int64_t kFormatVersion = 1;

torch::Tensor cpu_rng_state() {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_cpu_rng_state(const torch::Tensor& state) {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

torch::serialize::InputArchive open_archive(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    throw std::runtime_error(fmt::format("checkpoint {} does not exist", path));
  }
  // LibTorch trusts the archive's records (a corrupted TorchScript record crashed it): each
  // one's bounds, sizes and CRC-32 are checked first (checkpoint_archive.h).
  check_checkpoint_file(path);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw std::runtime_error(
        fmt::format("checkpoint {} is corrupt or not a LibTorch archive ({} bytes)", path, int64_t(st.st_size)));
  }
  return archive;
}

}  // namespace

void save_checkpoint(const std::string& path, models::Network& model, torch::optim::Optimizer* optimizer,
                     const CheckpointMeta& meta) {
  torch::serialize::OutputArchive archive;
  archive.write("wrpn_checkpoint_version", c10::IValue(kFormatVersion));
  archive.write("epochs_done", c10::IValue(meta.epochs_done));
  archive.write("config", c10::IValue(meta.config.dump()));
  if (!meta.input.is_null()) archive.write("input", c10::IValue(meta.input.dump()));
  if (meta.steps_done > 0) {
    archive.write("steps_done", c10::IValue(meta.steps_done));
    archive.write("epoch_state", c10::IValue(meta.epoch_state.dump()));
  }
  archive.write("rng_state", cpu_rng_state());
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (optimizer != nullptr) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomically(path, bytes.str());
}

CheckpointMeta read_checkpoint_meta(const std::string& path) {
  auto archive = open_archive(path);
  CheckpointMeta meta;
  try {
    c10::IValue version, epochs, config;
    archive.read("wrpn_checkpoint_version", version);
    if (version.toInt() != kFormatVersion) {
      throw std::runtime_error(
          fmt::format("checkpoint {} has format version {}, expected {}", path, version.toInt(), kFormatVersion));
    }
    archive.read("epochs_done", epochs);
    archive.read("config", config);
    meta.epochs_done = epochs.toInt();
    meta.config = nlohmann::json::parse(config.toStringRef());
    c10::IValue input;
    if (archive.try_read("input", input)) meta.input = nlohmann::json::parse(input.toStringRef());
    c10::IValue steps, epoch_state;
    if (archive.try_read("steps_done", steps)) {
      meta.steps_done = steps.toInt();
      archive.read("epoch_state", epoch_state);
      meta.epoch_state = nlohmann::json::parse(epoch_state.toStringRef());
    }
    // Older runs are rebuilt as they were trained, not with today's defaults.
    add_keys_saved_before(meta.config);
  } catch (const c10::Error&) {
    throw std::runtime_error(fmt::format("{} is not a wrpn checkpoint (missing fields)", path));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("{} is not a wrpn checkpoint (a field is not JSON: {})", path, e.what()));
  }
  return meta;
}

void load_checkpoint(const std::string& path, models::Network& model, torch::optim::Optimizer* optimizer) {
  auto archive = open_archive(path);
  try {
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model.load(model_archive);
    if (optimizer != nullptr) {
      torch::serialize::InputArchive optimizer_archive;
      archive.read("optimizer", optimizer_archive);
      optimizer->load(optimizer_archive);
    }
    torch::Tensor rng;
    archive.read("rng_state", rng);
    set_cpu_rng_state(rng);
  } catch (const c10::Error& e) {
    throw std::runtime_error(fmt::format("checkpoint {} does not match the model its config describes: {}", path,
                                         e.what_without_backtrace()));
  }
}

}  // namespace train
}  // namespace wrpn
