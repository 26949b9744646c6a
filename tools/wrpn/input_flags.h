// --in-channels, --input-size and --classes for commands that take no dataset (`info`,
// `cost`): unset, they are the model's native input (models::native_input), so
// `wrpn cost --model resnet34` prices a 3x224x224, 1000-class ResNet.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>

#include "wrpn/models/model_spec.h"

namespace wrpn {
namespace cli {

class InputFlags {
 public:
  void add(CLI::App* app);
  /// The model's native input, then whichever of the three flags were given.
  void apply(models::ModelSpec& spec) const;

 private:
  int64_t channels_ = 0, size_ = 0, classes_ = 0;
  CLI::Option *channels_opt_ = nullptr, *size_opt_ = nullptr, *classes_opt_ = nullptr;
};

}  // namespace cli
}  // namespace wrpn
