#include "wrpn/train/train_config.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <stdexcept>

#include "wrpn/models/network_json.h"
#include "wrpn/models/registry.h"

namespace wrpn {
namespace train {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

bool one_of(const std::string& value, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return true;
  }
  return false;
}

}  // namespace

void TrainConfig::validate(bool registered_model) const {
  model.validate();
  const auto names = models::model_names();
  require(!registered_model || !model.network.is_null() || std::find(names.begin(), names.end(), model.name) != names.end(),
          fmt::format("unknown model '{}'", model.name));
  require(one_of(dataset, {"fashion-mnist", "mnist", "cifar10", "cifar100", "imagefolder"}),
          fmt::format("dataset must be fashion-mnist, mnist, cifar10, cifar100 or imagefolder, "
                      "got '{}'", dataset));
  require(workers >= 0 && workers <= 64, fmt::format("workers must be in 0..64, got {}", workers));
  require(image_size >= 8, fmt::format("image size must be >= 8, got {}", image_size));
  require(epochs >= 1, fmt::format("epochs must be >= 1, got {}", epochs));
  require(one_of(backward_precision, {"fp32", "bf16"}),
          fmt::format("backward precision must be fp32 or bf16, got '{}'", backward_precision));
  require(batch_size >= 1, fmt::format("batch size must be >= 1, got {}", batch_size));
  require(one_of(optimizer, {"sgd", "adam", "adamw"}),
          fmt::format("optimizer must be sgd, adam or adamw, got '{}'", optimizer));
  require(lr > 0 && std::isfinite(lr), fmt::format("lr must be a positive number, got {}", lr));
  require(momentum >= 0 && momentum < 1, fmt::format("momentum must be in [0, 1), got {}", momentum));
  require(weight_decay >= 0 && std::isfinite(weight_decay),
          fmt::format("weight decay must be >= 0, got {}", weight_decay));
  require(one_of(schedule, {"cosine", "step", "constant"}),
          fmt::format("schedule must be cosine, step or constant, got '{}'", schedule));
  require(warmup_epochs >= 0 && warmup_epochs < double(epochs),
          fmt::format("warmup epochs must be in [0, epochs={}), got {}", epochs, warmup_epochs));
  require(step_epochs >= 1, fmt::format("step epochs must be >= 1, got {}", step_epochs));
  require(gamma > 0 && gamma <= 1, fmt::format("gamma must be in (0, 1], got {}", gamma));
  require(threads >= 0, fmt::format("threads must be >= 0, got {}", threads));
  require(!out.empty(), "output folder must not be empty");
  require(limit_train >= 0, fmt::format("limit-train must be >= 0, got {}", limit_train));
  require(limit_test >= 0, fmt::format("limit-test must be >= 0, got {}", limit_test));
  require(crop_padding >= 0 && crop_padding <= 16,
          fmt::format("crop padding must be in 0..16, got {}", crop_padding));
}

nlohmann::json to_json(const TrainConfig& c) {
  nlohmann::json j = {
      {"model", c.model.name},
      {"width", c.model.width},
      {"wbits", c.model.weight_bits},
      {"abits", c.model.activation_bits},
      {"first_wbits", c.model.first_weight_bits},
      {"last_wbits", c.model.last_weight_bits},
      {"weight_param", nn::to_string(c.model.weight_param)},
      {"per_channel_alpha", c.model.per_channel_alpha},
      {"act_clip_sigmas", c.model.act_clip_sigmas},
      {"classes", c.model.classes},
      {"in_channels", c.model.in_channels},
      {"input_size", c.model.input_size},
      {"dataset", c.dataset},
      {"data", c.data_dir},
      {"workers", c.workers},
      {"image_size", c.image_size},
      {"skip_corrupt", c.skip_corrupt},
      {"epochs", c.epochs},
      {"batch_size", c.batch_size},
      {"optimizer", c.optimizer},
      {"lr", c.lr},
      {"momentum", c.momentum},
      {"nesterov", c.nesterov},
      {"weight_decay", c.weight_decay},
      {"schedule", c.schedule},
      {"warmup_epochs", c.warmup_epochs},
      {"step_epochs", c.step_epochs},
      {"gamma", c.gamma},
      {"seed", c.seed},
      {"threads", c.threads},
      {"out", c.out},
      {"limit_train", c.limit_train},
      {"limit_test", c.limit_test},
      {"crop_padding", c.crop_padding},
      {"flip", c.flip},
      {"packed_saving", c.packed_saving},
      {"int8_forward", c.int8_forward},
      {"backward_precision", c.backward_precision},
      {"recompute_conv_outputs", c.recompute_conv_outputs},
  };
  if (!c.model.network.is_null()) j["network"] = c.model.network;
  return j;
}

void apply_json(TrainConfig& c, const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) {
    throw std::invalid_argument(fmt::format("{}: a config must be a JSON object", source));
  }
  for (const auto& [key, value] : j.items()) {
    try {
      if (key == "model") c.model.name = value.get<std::string>();
      else if (key == "network") c.model.network = value.is_string() ? models::read_network_file(value.get<std::string>()) : value;
      else if (key == "width") c.model.width = value.get<double>();
      else if (key == "wbits") c.model.weight_bits = value.get<int>();
      else if (key == "abits") c.model.activation_bits = value.get<int>();
      else if (key == "first_wbits") c.model.first_weight_bits = value.get<int>();
      else if (key == "last_wbits") c.model.last_weight_bits = value.get<int>();
      else if (key == "weight_param") c.model.weight_param = nn::parse_weight_param(value.get<std::string>());
      else if (key == "per_channel_alpha") c.model.per_channel_alpha = value.get<bool>();
      else if (key == "act_clip_sigmas") c.model.act_clip_sigmas = value.get<double>();
      else if (key == "classes") c.model.classes = value.get<int64_t>();
      else if (key == "in_channels") c.model.in_channels = value.get<int64_t>();
      else if (key == "input_size") c.model.input_size = value.get<int64_t>();
      else if (key == "dataset") c.dataset = value.get<std::string>();
      else if (key == "data") c.data_dir = value.get<std::string>();
      else if (key == "workers") c.workers = value.get<int>();
      else if (key == "image_size") c.image_size = value.get<int64_t>();
      else if (key == "skip_corrupt") c.skip_corrupt = value.get<bool>();
      else if (key == "epochs") c.epochs = value.get<int64_t>();
      else if (key == "batch_size") c.batch_size = value.get<int64_t>();
      else if (key == "optimizer") c.optimizer = value.get<std::string>();
      else if (key == "lr") c.lr = value.get<double>();
      else if (key == "momentum") c.momentum = value.get<double>();
      else if (key == "nesterov") c.nesterov = value.get<bool>();
      else if (key == "weight_decay") c.weight_decay = value.get<double>();
      else if (key == "schedule") c.schedule = value.get<std::string>();
      else if (key == "warmup_epochs") c.warmup_epochs = value.get<double>();
      else if (key == "step_epochs") c.step_epochs = value.get<int64_t>();
      else if (key == "gamma") c.gamma = value.get<double>();
      else if (key == "seed") c.seed = value.get<uint64_t>();
      else if (key == "threads") c.threads = value.get<int>();
      else if (key == "out") c.out = value.get<std::string>();
      else if (key == "limit_train") c.limit_train = value.get<int64_t>();
      else if (key == "limit_test") c.limit_test = value.get<int64_t>();
      else if (key == "crop_padding") c.crop_padding = value.get<int64_t>();
      else if (key == "flip") c.flip = value.get<bool>();
      else if (key == "packed_saving") c.packed_saving = value.get<bool>();
      else if (key == "int8_forward") c.int8_forward = value.get<bool>();
      else if (key == "backward_precision") c.backward_precision = value.get<std::string>();
      else if (key == "recompute_conv_outputs") c.recompute_conv_outputs = value.get<bool>();
      else throw std::invalid_argument(fmt::format("{}: unknown config key '{}'", source, key));
    } catch (const nlohmann::json::exception&) {
      throw std::invalid_argument(
          fmt::format("{}: config key '{}' has a value of the wrong type: {}", source, key,
                      value.dump()));
    }
  }
  if (!c.model.network.is_null()) {
    try {
      models::check_description(c.model.network);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("{}: config key 'network': {}", source, e.what()));
    }
    if (!j.contains("model")) c.model.name = models::network_name(c.model.network);
  }
}

void apply_json_file(TrainConfig& c, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(fmt::format("cannot read config file {}", path));
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(fmt::format("config file {} is not valid JSON: {}", path, e.what()));
  }
  apply_json(c, j, path);
}

}  // namespace train
}  // namespace wrpn
