// The training config's fields, each spelled once: JSON key, flag, help, where it lives in
// TrainConfig and its check. to_json/apply_json and validate() (train_config.cpp), the flags
// (tools/wrpn/train_flags.cpp) and the .wrpn info block are loops over this table, so a new
// setting is one row here plus its member.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "wrpn/train/train_config.h"

namespace wrpn {
namespace train {

/// A member of TrainConfig or of its ModelSpec, kept as the type its JSON and flag have.
template <typename T>
struct Member {
  T TrainConfig::*top = nullptr;
  T models::ModelSpec::*model = nullptr;
  T& of(TrainConfig& c) const { return top ? c.*top : c.model.*model; }
  const T& of(const TrainConfig& c) const { return top ? c.*top : c.model.*model; }
};

/// A member kept in another form than its JSON and flag (an enum; a network read from a file).
struct Converted {
  /// Null: nothing is written.
  std::function<nlohmann::json(const TrainConfig&)> write;
  /// Throws nlohmann::json::exception for a value of the wrong type.
  std::function<void(TrainConfig&, const nlohmann::json&)> read;
  std::function<void(TrainConfig&, const std::string&)> read_flag;
};

using FieldStorage = std::variant<Member<std::string>, Member<int>, Member<int64_t>, Member<uint64_t>, Member<double>,
                                  Member<bool>, Converted>;

/// Which of TrainFlags' calls registers the flag: `wrpn info` takes only the model's, a sweep
/// names its own run folder.
enum class FlagGroup { None, Model, RunFolder, Training };

struct ConfigField {
  /// The key in config.json and --config files.
  std::string key;
  /// "--batch-size"; empty: JSON only.
  std::string flag;
  std::string help;
  FlagGroup group = FlagGroup::None;
  FieldStorage storage;
  /// Throws std::invalid_argument naming the field and its value; empty: checked elsewhere
  /// (the model's fields by ModelSpec::validate, which model builders call without a config).
  std::function<void(const TrainConfig&)> check;
  /// After all keys of a JSON config are applied: (config, the JSON, its source).
  std::function<void(TrainConfig&, const nlohmann::json&, const std::string&)> after_json;
  /// Written to a .wrpn file's info block: what the exported network was trained as.
  bool info = false;
  /// The name files exported before the info used the config's keys gave it; empty: none.
  std::string old_info_key;
  /// What a run saved before the key existed was trained with; null: today's default.
  nlohmann::json saved_before;
};

/// Every field, in the order `--help` lists the flags.
const std::vector<ConfigField>& config_fields();

/// std::visit over a set of lambdas.
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace train
}  // namespace wrpn
