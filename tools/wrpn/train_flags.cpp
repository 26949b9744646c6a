#include "train_flags.h"

#include <fmt/format.h>

#include <fstream>

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

std::vector<std::string> TrainFlags::differences(const train::TrainConfig& resolved, const nlohmann::json& saved,
                                                 const std::set<std::string>& free) const {
  train::TrainConfig run;
  train::apply_json(run, saved, "the run's saved config");
  const nlohmann::json want = train::to_json(resolved), have = train::to_json(run);
  nlohmann::json from_file = nlohmann::json::object();
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    from_file = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  }
  std::vector<std::string> out;
  for (const train::ConfigField& f : train::config_fields()) {
    if (free.count(f.flag) > 0 || !want.contains(f.key)) continue;
    bool given = from_file.is_object() && from_file.contains(f.key);
    for (const auto& [option, copy] : bound_) given = given || (option->get_name() == f.flag && option->count() > 0);
    if (!given || want[f.key] == have.value(f.key, nlohmann::json())) continue;
    out.push_back(fmt::format("{} {} (the run has {})", f.flag.empty() ? f.key : f.flag, want[f.key].dump(),
                              have.value(f.key, nlohmann::json()).dump()));
  }
  return out;
}

}  // namespace cli
}  // namespace wrpn
