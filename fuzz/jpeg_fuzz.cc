// libFuzzer target for the image path: libjpeg-turbo's decode (at the DCT scales the loader
// picks), crop-and-resize, and a JPEG or PGM file turned into a model's input (`wrpn infer
// --image`, `wrpn-run`). Any bytes must decode or be refused with a std::runtime_error naming
// the file; no other exception, crash, leak, sanitizer report or allocation the header alone
// asks for. Built and run by scripts/fuzz.sh jpeg.
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "temp_input.h"
#include "wrpn/data/crop_resize.h"
#include "wrpn/data/image_input.h"
#include "wrpn/data/jpeg.h"

namespace {

// Legal images can be large; decoding more than this per input would only slow the fuzzer.
constexpr int64_t kMaxDecodedPixels = int64_t{1} << 22;

void decode_and_crop(const std::vector<uint8_t>& bytes, uint32_t choice) {
  using namespace wrpn::data;
  static JpegDecoder decoder;
  const auto [width, height] = decoder.size(bytes, "fuzz.jpg");
  if (int64_t(width) * height > kMaxDecodedPixels) return;
  // The loader's order (image_folder.cpp): a box, the DCT scale that keeps it at least the
  // target size, the decode, the box in the reduced image's coordinates, crop-and-resize.
  const int64_t target = (choice & 1) ? 8 : 32;
  CropBox box{0, 0, double(width), double(height)};
  if (choice & 2) {
    const double side = std::min(width, height);
    box = {(width - side) / 2, (height - side) / 2, side, side};
  }
  const JpegScale scale = choose_jpeg_scale(box.width, box.height, target);
  RgbImage image;
  decoder.decode(bytes, "fuzz.jpg", scale, image);
  const double fx = double(image.width) / width, fy = double(image.height) / height;
  box = {box.x * fx, box.y * fy, box.width * fx, box.height * fy};
  std::vector<float> out(size_t(3 * target * target));
  crop_resize(image, box, target, /*flip=*/(choice & 4) != 0, {1, 1, 1}, {0, 0, 0}, out.data());
  for (float v : out) {
    if (!(v >= 0 && v <= 255)) __builtin_trap();  // bilinear weights keep pixels in range
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wrpn::data;
  const std::vector<uint8_t> bytes(data, data + size);
  const uint32_t choice = size > 0 ? data[size / 2] : 0;
  try {
    decode_and_crop(bytes, choice);
  } catch (const std::runtime_error&) {
  }
  // As a file given to `wrpn infer --image`: a grey 28x28 and an RGB 32x32 model input.
  static JpegDecoder probe;
  try {
    const auto [width, height] = probe.size(bytes, "fuzz.jpg");
    if (int64_t(width) * height > kMaxDecodedPixels) return 0;
  } catch (const std::runtime_error&) {
    // not a JPEG (a PGM, or neither): the file path must read or refuse it too
  }
  static const wrpn::fuzz::TempFolder folder("jpeg");
  const std::string path = folder.write("input", data, size);
  const wrpn::runtime::InputSpec grey{1, 28, 28, {1.0f / 255}, {-0.5f}};
  const wrpn::runtime::InputSpec rgb{3, 32, 32, {1, 1, 1}, {0, 0, 0}};
  for (const auto* spec : {&grey, &rgb}) {
    try {
      const std::vector<float> x = load_image_input(path, *spec);
      if (x.size() != size_t(spec->channels) * spec->height * spec->width) __builtin_trap();
    } catch (const std::runtime_error&) {
    }
  }
  return 0;
}
