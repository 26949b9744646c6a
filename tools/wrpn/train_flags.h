// The flags that describe a training run, shared by `train`, `demo` and `bench`, bound from the
// config's field table. A flag given on the command line overrides the same key of a --config
// file, which overrides defaults.
#pragma once

#include <CLI/CLI.hpp>

#include <deque>
#include <nlohmann/json.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "wrpn/train/config_schema.h"
#include "wrpn/train/train_config.h"

namespace wrpn {
namespace cli {

class TrainFlags {
 public:
  /// Registers --model --width --wbits ... on `app`.
  void add_model_flags(CLI::App* app);
  /// `run_folder_flags` adds --config and --out (a sweep has its own).
  void add_training_flags(CLI::App* app, bool run_folder_flags = true);

  /// defaults <- --config file <- flags given, validated.
  train::TrainConfig resolve(train::TrainConfig defaults = {}) const;
  /// Names of the flags given on the command line (excluding --config).
  std::vector<std::string> given() const;
  /// "--lr 0.2 (the run has 0.1)" for each setting given by a flag or the --config file whose
  /// value differs from the run's `saved` config, except the flags in `free`.
  std::vector<std::string> differences(const train::TrainConfig& resolved, const nlohmann::json& saved,
                                       const std::set<std::string>& free) const;

  std::string config_file;

 private:
  /// Binds the flags of the table's `group` (train/config_schema.h).
  void add_group(CLI::App* app, train::FlagGroup group);

  train::TrainConfig scratch_;
  /// Text of the flags whose field is kept in another form; a deque keeps references stable.
  std::deque<std::string> texts_;
  std::vector<std::pair<CLI::Option*, std::function<void(train::TrainConfig&)>>> bound_;
};

}  // namespace cli
}  // namespace wrpn
