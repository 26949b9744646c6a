#include "input_flags.h"

#include "wrpn/models/registry.h"

namespace wrpn {
namespace cli {

void InputFlags::add(CLI::App* app) {
  classes_opt_ = app->add_option("--classes", classes_, "number of classes (default: the model's native input)");
  channels_opt_ = app->add_option("--in-channels", channels_, "input image channels (default: the model's)");
  size_opt_ = app->add_option("--input-size", size_, "input image height = width (default: the model's)");
}

void InputFlags::apply(models::ModelSpec& spec) const {
  models::use_native_input(spec);
  if (channels_opt_->count() > 0) spec.in_channels = channels_;
  if (size_opt_->count() > 0) spec.input_size = size_;
  if (classes_opt_->count() > 0) spec.classes = classes_;
}

}  // namespace cli
}  // namespace wrpn
