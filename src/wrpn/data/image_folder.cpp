#include "wrpn/data/image_folder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "wrpn/data/jpeg.h"

namespace wrpn {
namespace data {
namespace {

namespace fs = std::filesystem;

bool is_jpeg(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg";
}

double uniform(SplitMix64& rng) { return double(rng.next() >> 11) * 0x1.0p-53; }

// One decompressor per loader thread.
JpegDecoder& thread_decoder() {
  thread_local JpegDecoder decoder;
  return decoder;
}

}  // namespace

ImageFolder::ImageFolder(const std::string& root, ImageFolderOptions options)
    : root_(root), options_(std::move(options)) {
  if (options_.image_size() < 8) {
    throw std::invalid_argument(fmt::format("image size must be >= 8, got {}", options_.image_size()));
  }
  if (!(options_.min_area() > 0 && options_.min_area() <= 1)) {
    throw std::invalid_argument(fmt::format("min area must be in (0, 1], got {}", options_.min_area()));
  }
  if (!(options_.crop_fraction() > 0 && options_.crop_fraction() <= 1)) {
    throw std::invalid_argument(fmt::format("crop fraction must be in (0, 1], got {}", options_.crop_fraction()));
  }
  if (options_.mean().size() != 3 || options_.std().size() != 3) {
    throw std::invalid_argument("image folder normalisation needs 3 means and 3 deviations");
  }
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) {
    throw std::runtime_error(fmt::format("image folder {} does not exist or is not a folder", root_));
  }
  classes_ = options_.classes();
  if (classes_.empty()) {
    for (const auto& entry : fs::directory_iterator(root_)) {
      if (entry.is_directory()) classes_.push_back(entry.path().filename().string());
    }
    std::sort(classes_.begin(), classes_.end());
    if (classes_.empty()) {
      throw std::runtime_error(fmt::format("image folder {} has no class sub-folders", root_));
    }
  }
  for (size_t c = 0; c < classes_.size(); ++c) {
    const fs::path folder = fs::path(root_) / classes_[c];
    if (!fs::is_directory(folder, ec)) {
      throw std::runtime_error(fmt::format("class folder {} is missing", folder.string()));
    }
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
      if (entry.is_regular_file() && is_jpeg(entry.path())) files.push_back(entry.path().string());
    }
    if (files.empty()) {
      throw std::runtime_error(fmt::format("class folder {} has no JPEG files (.jpg, .jpeg)", folder.string()));
    }
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      files_.push_back(std::move(f));
      labels_.push_back(int64_t(c));
    }
  }
  for (int c = 0; c < 3; ++c) {
    scale_.push_back(1.0f / (255.0f * options_.std()[size_t(c)]));
    shift_.push_back(-options_.mean()[size_t(c)] / options_.std()[size_t(c)]);
  }
}

ImageShape ImageFolder::shape() const { return {3, options_.image_size(), options_.image_size()}; }

CropBox ImageFolder::choose_box(int width, int height, SplitMix64* rng) const {
  const double w = width, h = height;
  if (rng == nullptr) {  // evaluation: centre square of the resized short side
    const double side = std::min(w, h) * options_.crop_fraction();
    return {(w - side) / 2, (h - side) / 2, side, side};
  }
  // Random-resized crop, torchvision's algorithm: 10 tries, then the centre of the image
  // clamped to the aspect range.
  const double area = w * h;
  const double log_lo = std::log(3.0 / 4.0), log_hi = std::log(4.0 / 3.0);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * (options_.min_area() + (1 - options_.min_area()) * uniform(*rng));
    const double aspect = std::exp(log_lo + (log_hi - log_lo) * uniform(*rng));
    const double cw = std::round(std::sqrt(target * aspect));
    const double ch = std::round(std::sqrt(target / aspect));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
      const double y = double(rng->below(uint64_t(h - ch) + 1));
      const double x = double(rng->below(uint64_t(w - cw) + 1));
      return {x, y, cw, ch};
    }
  }
  double cw = w, ch = h;
  if (w / h < 3.0 / 4.0)
    ch = std::round(w * 4.0 / 3.0);
  else if (w / h > 4.0 / 3.0)
    cw = std::round(h * 4.0 / 3.0);
  return {(w - cw) / 2, (h - ch) / 2, cw, ch};
}

void ImageFolder::render(int64_t index, SplitMix64* rng, bool* flip, const std::vector<float>& scale,
                         const std::vector<float>& shift, float* out) const {
  const std::string& file = files_[size_t(index)];
  JpegDecoder& decoder = thread_decoder();
  thread_local RgbImage image;
  const std::vector<uint8_t> bytes = read_file(file);
  const auto [width, height] = decoder.size(bytes, file);
  CropBox box = choose_box(width, height, rng);
  *flip = rng != nullptr && rng->below(2) == 1;
  const JpegScale s =
      options_.dct_scaling() ? choose_jpeg_scale(box.width, box.height, options_.image_size()) : JpegScale{};
  decoder.decode(bytes, file, s, image);
  // The box in the coordinates of the reduced image.
  const double fx = double(image.width) / width, fy = double(image.height) / height;
  box = {box.x * fx, box.y * fy, box.width * fx, box.height * fy};
  crop_resize(image, box, options_.image_size(), *flip, scale, shift, out);
}

bool ImageFolder::read_sample(int64_t index, SplitMix64& rng, float* out) const {
  bool flip = false;
  try {
    render(index, options_.train() ? &rng : nullptr, &flip, scale_, shift_, out);
  } catch (const std::runtime_error&) {
    if (!options_.skip_corrupt()) throw;
    std::lock_guard<std::mutex> lock(skipped_mutex_);
    skipped_.insert(files_[size_t(index)]);
    return false;
  }
  return true;
}

void ImageFolder::read_image(int64_t index, uint8_t* out) const {
  const int64_t pixels = shape().pixels();
  thread_local std::vector<float> values;
  values.resize(size_t(pixels));
  bool flip = false;
  render(index, nullptr, &flip, {1, 1, 1}, {0, 0, 0}, values.data());
  for (int64_t i = 0; i < pixels; ++i) {
    out[i] = uint8_t(std::clamp(std::lround(values[size_t(i)]), 0L, 255L));
  }
}

int64_t ImageFolder::skipped_files() const {
  std::lock_guard<std::mutex> lock(skipped_mutex_);
  return int64_t(skipped_.size());
}

}  // namespace data
}  // namespace wrpn
