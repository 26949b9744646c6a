// One image file (JPEG, or binary PGM) turned into a model's normalised float input.
#pragma once

#include <string>
#include <vector>

#include "wrpn/runtime/model_format.h"

namespace wrpn {
namespace data {

/// Decodes `path`, takes the centre square, resizes it to the model's input (bilinear) and
/// normalises it with the file's scale/shift; grey models get the image's luma. A PGM of
/// exactly the input size passes through unresized, as the dataset's own pixels would.
/// Throws std::runtime_error naming the file when it cannot be decoded.
std::vector<float> load_image_input(const std::string& path, const runtime::InputSpec& input);

}  // namespace data
}  // namespace wrpn
