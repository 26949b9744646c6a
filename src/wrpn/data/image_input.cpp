#include "wrpn/data/image_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "wrpn/data/crop_resize.h"
#include "wrpn/data/jpeg.h"

namespace wrpn {
namespace data {
namespace {

// Binary PGM (P5, maxval 255) -> grey pixels; throws naming the file on anything else.
bool read_pgm(const std::vector<uint8_t>& bytes, const std::string& path, data::RgbImage& out,
              std::vector<uint8_t>& grey) {
  if (bytes.size() < 2 || bytes[0] != 'P' || bytes[1] != '5') return false;
  size_t pos = 2;
  auto number = [&]() {
    while (pos < bytes.size() && (std::isspace(bytes[pos]) || bytes[pos] == '#')) {
      if (bytes[pos] == '#') {
        while (pos < bytes.size() && bytes[pos] != '\n') ++pos;
      } else {
        ++pos;
      }
    }
    long v = 0;
    int digits = 0;
    while (pos < bytes.size() && std::isdigit(bytes[pos]) && digits < 9) v = v * 10 + (bytes[pos++] - '0'), ++digits;
    if (digits == 0) throw std::runtime_error(fmt::format("{}: malformed PGM header", path));
    return v;
  };
  const long w = number(), h = number(), maxval = number();
  ++pos;  // the single whitespace before the raster
  if (w < 1 || h < 1 || w > 16384 || h > 16384 || maxval != 255) {
    throw std::runtime_error(
        fmt::format("{}: PGM {}x{} maxval {} unsupported (want 8-bit, up to 16384 px)", path, w, h, maxval));
  }
  if (bytes.size() < pos + size_t(w * h)) {
    throw std::runtime_error(fmt::format("{}: truncated PGM, {} of {} pixel bytes", path,
                                         bytes.size() - std::min(pos, bytes.size()), w * h));
  }
  grey.assign(bytes.begin() + long(pos), bytes.begin() + long(pos) + w * h);
  out.width = int(w);
  out.height = int(h);
  out.pixels.resize(size_t(w * h) * 3);
  for (size_t i = 0; i < grey.size(); ++i) out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = grey[i];
  return true;
}

}  // namespace

std::vector<float> load_image_input(const std::string& path, const runtime::InputSpec& input) {
  const std::vector<uint8_t> bytes = data::read_file(path);
  data::RgbImage image;
  std::vector<uint8_t> grey;
  const bool pgm = read_pgm(bytes, path, image, grey);
  if (!pgm) {
    data::JpegDecoder decoder;
    decoder.decode(bytes, path, data::JpegScale{}, image);
  }
  const size_t hw = size_t(input.height) * input.width;
  std::vector<float> out(hw * size_t(input.channels));
  if (pgm && input.channels == 1 && image.width == input.width && image.height == input.height) {
    for (size_t i = 0; i < hw; ++i) out[i] = float(grey[i]) * input.scale[0] + input.shift[0];
    return out;
  }
  if (input.channels != 1 && input.channels != 3) {
    throw std::runtime_error(
        fmt::format("{}: models with {} input channels take no image files", path, input.channels));
  }
  if (input.channels == 1) {  // luma into all three planes, then keep one
    for (size_t i = 0; i < size_t(image.width) * image.height; ++i) {
      uint8_t* p = &image.pixels[3 * i];
      const auto y = uint8_t(std::lround(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]));
      p[0] = p[1] = p[2] = y;
    }
  }
  const double side = std::min(image.width, image.height);
  const data::CropBox box{(image.width - side) / 2, (image.height - side) / 2, side, side};
  std::vector<float> scale(3, input.scale[0]), shift(3, input.shift[0]);
  if (input.channels == 3) scale = input.scale, shift = input.shift;
  std::vector<float> rgb(hw * 3);
  data::crop_resize(image, box, input.height, /*flip=*/false, scale, shift, rgb.data());
  std::copy(rgb.begin(), rgb.begin() + long(out.size()), out.begin());
  return out;
}

}  // namespace data
}  // namespace wrpn
