// The config's JSON, checks and info block, as loops over the field table (config_schema.h).
#include "wrpn/train/train_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "wrpn/runtime/input_path.h"
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

// A number outside the range of its field: what the field takes.
struct OutOfRange {
  std::string takes;
};

// The JSON value as the field's type, taken only as what it says: nlohmann would read 1.5 and
// true as the integer 1, 4294967297 as the int 1 and -1 as the seed 2^64 - 1.
template <typename T>
T value_as(const nlohmann::json& value) {
  if (!value.is_number() && !value.is_boolean()) return value.get<T>();  // nlohmann's type error, or a string
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    const bool fits = value.is_number_unsigned()   ? value.get<uint64_t>() <= uint64_t(std::numeric_limits<T>::max())
                      : value.is_number_integer() ? value.get<int64_t>() >= int64_t(std::numeric_limits<T>::min()) &&
                                                        (std::is_unsigned_v<T> ||
                                                         value.get<int64_t>() <= int64_t(std::numeric_limits<T>::max()))
                                                  : false;
    if (!fits) {
      throw OutOfRange{fmt::format("an integer in {}..{}", std::numeric_limits<T>::min(), std::numeric_limits<T>::max())};
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!value.is_number()) throw OutOfRange{"a number"};
  }
  return value.get<T>();
}

void read(const ConfigField& f, TrainConfig& c, const nlohmann::json& value) {
  std::visit(Overloaded{[&](const Converted& k) { k.read(c, value); },
                        [&](const auto& m) {
                          auto& field = m.of(c);
                          field = value_as<std::decay_t<decltype(field)>>(value);
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
    } catch (const OutOfRange& e) {
      throw std::invalid_argument(
          fmt::format("{}: config key '{}' must be {}, got {}", source, key, e.takes, value.dump()));
    }
  }
  for (const ConfigField& f : config_fields()) {
    if (f.after_json) f.after_json(c, j, source);
  }
}

void apply_json_file(TrainConfig& c, const std::string& path) {
  runtime::require_readable_file(path, "config file");
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
    if (!f.info) continue;
    nlohmann::json value = write(f, c);
    if (!value.is_null()) j[f.key] = std::move(value);
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
    } catch (const OutOfRange&) {
      // and one outside its field's range
    }
  }
}

}  // namespace train
}  // namespace wrpn
