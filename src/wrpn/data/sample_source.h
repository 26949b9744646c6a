// What a loader draws samples from: normalised float CHW images of one fixed shape, each
// produced from (index, augmentation stream). The loader derives the stream from
// (seed, epoch, position in the epoch), so a sample's pixels never depend on which thread
// made it or in what order: any number of workers gives the same batches.
#pragma once

#include <memory>

#include "wrpn/data/dataset.h"
#include "wrpn/data/rng.h"

namespace wrpn {
namespace data {

class SampleSource {
 public:
  virtual ~SampleSource() = default;
  virtual int64_t size() const = 0;
  /// Shape of every produced sample.
  virtual ImageShape shape() const = 0;
  virtual int64_t num_classes() const = 0;
  virtual int64_t label(int64_t index) const = 0;
  /// Writes sample `index` as normalised float CHW (shape().pixels() floats), drawing every
  /// augmentation decision from `rng`. Returns false when the sample cannot be read and the
  /// source is set to skip such samples; throws (naming the file) otherwise. Must be safe to
  /// call from several threads at once.
  virtual bool read_sample(int64_t index, SplitMix64& rng, float* out) const = 0;
};

/// A fixed-size uint8 Dataset with the core's augmentation: random crop after zero padding
/// and horizontal flip (exactly the draws BatchLoader has always made), then per-channel
/// normalisation with the dataset's statistics.
class DatasetSource : public SampleSource {
 public:
  DatasetSource(std::shared_ptr<const Dataset> dataset, int64_t crop_padding, bool flip);

  int64_t size() const override { return dataset_->size(); }
  ImageShape shape() const override { return dataset_->shape(); }
  int64_t num_classes() const override { return dataset_->num_classes(); }
  int64_t label(int64_t index) const override { return dataset_->label(index); }
  bool read_sample(int64_t index, SplitMix64& rng, float* out) const override;

 private:
  std::shared_ptr<const Dataset> dataset_;
  int64_t crop_padding_;
  bool flip_;
  std::vector<float> scale_, shift_;  // per channel: x = pixel * scale + shift
};

/// The sample source of `dataset`: the dataset itself when it makes its own samples (an image
/// folder decodes and augments in one go), otherwise a DatasetSource around it.
std::shared_ptr<const SampleSource> as_sample_source(std::shared_ptr<const Dataset> dataset, int64_t crop_padding,
                                                     bool flip);

}  // namespace data
}  // namespace wrpn
