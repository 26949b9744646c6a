// Cropping a region of an RGB image and resizing it to a square with bilinear interpolation,
// straight into the network's normalised float CHW layout.
#pragma once

#include <cstdint>
#include <vector>

#include "wrpn/data/jpeg.h"

namespace wrpn {
namespace data {

/// A region of an image in pixels (may be fractional).
struct CropBox {
  double x = 0, y = 0, width = 0, height = 0;
};

/// Resizes `box` of `image` to size x size (bilinear, pixel centres aligned), optionally
/// mirrored left-right, and writes channel c as pixel * scale[c] + shift[c], CHW.
void crop_resize(const RgbImage& image, CropBox box, int64_t size, bool flip, const std::vector<float>& scale,
                 const std::vector<float>& shift, float* out);

}  // namespace data
}  // namespace wrpn
