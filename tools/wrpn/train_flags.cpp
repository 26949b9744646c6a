#include "train_flags.h"

namespace wrpn {
namespace cli {

void TrainFlags::add_group(CLI::App* app, train::FlagGroup group) {
  for (const train::ConfigField& f : train::config_fields()) {
    if (f.group != group) continue;
    std::visit(train::Overloaded{[&](const train::Converted& k) {
                                   std::string& text = texts_.emplace_back();
                                   bound_.emplace_back(app->add_option(f.flag, text, f.help),
                                                       [&text, &k](train::TrainConfig& c) { k.read_flag(c, text); });
                                 },
                                 // CLI11 parses the typed value: its type in --help, its message for "--epochs many".
                                 [&](const auto& m) {
                                   bound_.emplace_back(app->add_option(f.flag, m.of(scratch_), f.help),
                                                       [this, m](train::TrainConfig& c) { m.of(c) = m.of(scratch_); });
                                 }},
               f.storage);
  }
}

void TrainFlags::add_model_flags(CLI::App* app) { add_group(app, train::FlagGroup::Model); }

void TrainFlags::add_training_flags(CLI::App* app, bool run_folder_flags) {
  if (run_folder_flags) {
    app->add_option("--config", config_file, "JSON config file; flags given override its keys");
    add_group(app, train::FlagGroup::RunFolder);
  }
  add_group(app, train::FlagGroup::Training);
}

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
