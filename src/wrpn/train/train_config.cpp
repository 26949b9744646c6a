// The config's JSON, checks and info block, as loops over the field table (config_schema.h).
#include "wrpn/train/train_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "wrpn/models/registry.h"
#include "wrpn/train/config_schema.h"

namespace wrpn {
namespace train {
namespace {

nlohmann::json write(const ConfigField& f, const TrainConfig& c) {
  return std::visit(Overloaded{[&](const Converted& k) { return k.write(c); },
                               [&](const auto& m) { return nlohmann::json(m.of(c)); }},
                    f.storage);
}

void read(const ConfigField& f, TrainConfig& c, const nlohmann::json& value) {
  std::visit(Overloaded{[&](const Converted& k) { k.read(c, value); },
                        [&](const auto& m) {
                          auto& field = m.of(c);
                          field = value.get<std::decay_t<decltype(field)>>();
                        }},
             f.storage);
}

const ConfigField* find_field(const std::string& key) {
  for (const ConfigField& f : config_fields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

}  // namespace

void TrainConfig::validate(bool registered_model) const {
  model.validate();
  const auto names = models::model_names();
  if (registered_model && model.network.is_null() && std::find(names.begin(), names.end(), model.name) == names.end()) {
    throw std::invalid_argument(fmt::format("unknown model '{}'", model.name));
  }
  for (const ConfigField& f : config_fields()) {
    if (f.check) f.check(*this);
  }
}

nlohmann::json to_json(const TrainConfig& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const ConfigField& f : config_fields()) {
    nlohmann::json value = write(f, c);
    if (!value.is_null()) j[f.key] = std::move(value);
  }
  return j;
}

void apply_json(TrainConfig& c, const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) {
    throw std::invalid_argument(fmt::format("{}: a config must be a JSON object", source));
  }
  for (const auto& [key, value] : j.items()) {
    const ConfigField* f = find_field(key);
    if (!f) throw std::invalid_argument(fmt::format("{}: unknown config key '{}'", source, key));
    try {
      read(*f, c, value);
    } catch (const nlohmann::json::exception&) {
      throw std::invalid_argument(
          fmt::format("{}: config key '{}' has a value of the wrong type: {}", source, key, value.dump()));
    }
  }
  for (const ConfigField& f : config_fields()) {
    if (f.after_json) f.after_json(c, j, source);
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

void add_keys_saved_before(nlohmann::json& saved) {
  if (!saved.is_object()) return;
  for (const ConfigField& f : config_fields()) {
    if (!f.saved_before.is_null() && !saved.contains(f.key)) saved[f.key] = f.saved_before;
  }
}

nlohmann::json info_json(const TrainConfig& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const ConfigField& f : config_fields()) {
    if (f.info) j[f.key] = write(f, c);
  }
  return j;
}

void apply_info(TrainConfig& c, const nlohmann::json& info) {
  if (!info.is_object()) return;
  for (const ConfigField& f : config_fields()) {
    if (!f.info) continue;
    const auto it = info.contains(f.key) ? info.find(f.key) : info.find(f.old_info_key);
    if (it == info.end()) continue;
    try {
      read(f, c, *it);
    } catch (const nlohmann::json::exception&) {
      // informative only: a value of another type is passed over
    }
  }
}

}  // namespace train
}  // namespace wrpn
