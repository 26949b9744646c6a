#include "wrpn/data/crop_resize.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace wrpn {
namespace data {
namespace {

// Source index pair and weight of the second one, for each output coordinate.
struct Tap {
  int lo, hi;
  float w;
};

std::vector<Tap> taps(double start, double length, int64_t size, int limit) {
  std::vector<Tap> out(static_cast<size_t>(size));
  const double step = length / double(size);
  for (int64_t i = 0; i < size; ++i) {
    double s = start + (double(i) + 0.5) * step - 0.5;
    s = std::clamp(s, 0.0, double(limit - 1));
    const int lo = int(std::floor(s));
    const int hi = std::min(lo + 1, limit - 1);
    out[size_t(i)] = {lo, hi, float(s - lo)};
  }
  return out;
}

}  // namespace

void crop_resize(const RgbImage& image, CropBox box, int64_t size, bool flip, const std::vector<float>& scale,
                 const std::vector<float>& shift, float* out) {
  // Guards the pointer arithmetic below against a bad box or an empty image.
  if (image.width < 1 || image.height < 1 || image.pixels.size() < size_t(image.width) * size_t(image.height) * 3 ||
      !(box.width > 0 && box.height > 0 && box.x >= 0 && box.y >= 0 && box.x + box.width <= image.width + 1e-6 &&
        box.y + box.height <= image.height + 1e-6)) {
    throw std::runtime_error(fmt::format("crop box {}x{}+{}+{} does not fit a {}x{} image", box.width, box.height,
                                         box.x, box.y, image.width, image.height));
  }
  const std::vector<Tap> ys = taps(box.y, box.height, size, image.height);
  std::vector<Tap> xs = taps(box.x, box.width, size, image.width);
  if (flip) std::reverse(xs.begin(), xs.end());
  const int64_t plane = size * size;
  const int64_t stride = int64_t(image.width) * 3;
  const uint8_t* px = image.pixels.data();
  for (int64_t oy = 0; oy < size; ++oy) {
    const Tap ty = ys[size_t(oy)];
    const uint8_t* row0 = px + ty.lo * stride;
    const uint8_t* row1 = px + ty.hi * stride;
    for (int64_t ox = 0; ox < size; ++ox) {
      const Tap tx = xs[size_t(ox)];
      const int a = tx.lo * 3, b = tx.hi * 3;
      for (int c = 0; c < 3; ++c) {
        const float top = float(row0[a + c]) + tx.w * float(int(row0[b + c]) - int(row0[a + c]));
        const float bottom = float(row1[a + c]) + tx.w * float(int(row1[b + c]) - int(row1[a + c]));
        const float v = top + ty.w * (bottom - top);
        out[c * plane + oy * size + ox] = v * scale[size_t(c)] + shift[size_t(c)];
      }
    }
  }
}

}  // namespace data
}  // namespace wrpn
