// An ImageNet-style folder: one sub-folder per class (sorted by name = class index), each
// holding JPEG files (.jpg/.jpeg, any case; other files are ignored). Images are decoded with
// libjpeg-turbo, at a DCT-reduced size when the target is much smaller than the region used.
//   training:   random-resized crop (area 8%..100%, aspect 3/4..4/3, as in torchvision and the
//               Inception paper) + horizontal flip, resized to image_size;
//   evaluation: resize the short side to image_size / crop_fraction (256 for 224) and take the
//               centre image_size square.
// then per-channel normalisation (ImageNet statistics by default).
// A corrupt or unreadable image throws an error naming the file; with skip_corrupt the
// sample is skipped instead, counted in the batch (Batch::skipped) and in skipped_files().
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "wrpn/data/crop_resize.h"
#include "wrpn/data/dataset.h"
#include "wrpn/data/sample_source.h"

namespace wrpn {
namespace data {

struct ImageFolderOptions {
  /// Side of the square samples, in pixels.
  TORCH_ARG(int64_t, image_size) = 224;
  /// Training augmentation (random-resized crop + flip) rather than the evaluation transform.
  TORCH_ARG(bool, train) = true;
  /// Smallest fraction of the image area a random-resized crop covers.
  TORCH_ARG(double, min_area) = 0.08;
  /// Evaluation: the centre crop's share of the resized short side (224 / 256).
  TORCH_ARG(double, crop_fraction) = 0.875;
  /// Decode at the smallest DCT-reduced size (1/2, 1/4, 1/8) that keeps the region at least
  /// image_size on both sides; false always decodes at full size (for comparison).
  TORCH_ARG(bool, dct_scaling) = true;
  /// Skip (and count) unreadable images instead of stopping with an error.
  TORCH_ARG(bool, skip_corrupt) = false;
  /// Class folder names, in class-index order; empty means this folder's sorted sub-folders.
  /// Give the training set's classes for the validation set so the indices agree.
  TORCH_ARG(std::vector<std::string>, classes) = {};
  /// Per-channel mean and standard deviation of pixel / 255 (ImageNet's by default).
  TORCH_ARG(std::vector<float>, mean) = std::vector<float>{0.485f, 0.456f, 0.406f};
  TORCH_ARG(std::vector<float>, std) = std::vector<float>{0.229f, 0.224f, 0.225f};
};

class ImageFolder : public Dataset, public SampleSource {
 public:
  /// Scans `root`; throws std::runtime_error naming the folder when it is missing, has no
  /// class sub-folders, misses one of options.classes() or a class folder has no JPEG.
  ImageFolder(const std::string& root, ImageFolderOptions options);

  int64_t size() const override { return int64_t(files_.size()); }
  ImageShape shape() const override;
  int64_t num_classes() const override { return int64_t(classes_.size()); }
  int64_t label(int64_t index) const override { return labels_[size_t(index)]; }
  /// The evaluation transform as uint8 CHW (rounded), without normalisation.
  void read_image(int64_t index, uint8_t* out) const override;
  std::vector<float> channel_mean() const override { return options_.mean(); }
  std::vector<float> channel_std() const override { return options_.std(); }
  bool read_sample(int64_t index, SplitMix64& rng, float* out) const override;

  const std::vector<std::string>& classes() const { return classes_; }
  const std::string& path(int64_t index) const { return files_[size_t(index)]; }
  /// Distinct files skipped so far (skip_corrupt).
  int64_t skipped_files() const;

 private:
  // The region of a width x height image the sample is made from.
  CropBox choose_box(int width, int height, SplitMix64* rng) const;
  // Decodes file `index`, draws its box (and flip, with rng) and resamples it into `out`;
  // throws std::runtime_error naming the file when it cannot be read or decoded.
  void render(int64_t index, SplitMix64* rng, bool* flip, const std::vector<float>& scale,
              const std::vector<float>& shift, float* out) const;

  std::string root_;
  ImageFolderOptions options_;
  std::vector<std::string> classes_;
  std::vector<std::string> files_;
  std::vector<int64_t> labels_;
  std::vector<float> scale_, shift_;  // pixel * scale + shift = normalised value
  mutable std::mutex skipped_mutex_;
  mutable std::set<std::string> skipped_;
};

}  // namespace data
}  // namespace wrpn
