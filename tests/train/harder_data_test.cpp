// WRPN learns wherever full precision learns: vgg_small on the hard generated CIFAR-form set
// (data/glyph_cifar.h: digits in unseen fonts, random colours per image). With the literal
// recipe (batch-norm scale 1, so the [0, 1] clip binds at 1 sigma) 4-bit activations learn
// far slower than full precision; with the default clip placement (quant/activation_range.h)
// the 4/4 network keeps up. Before that default existed, this test failed.
#include <gtest/gtest.h>

#include "../test_util.h"
#include "wrpn/data/glyph_cifar.h"
#include "wrpn/train/trainer.h"

namespace wrpn {
namespace train {
namespace {

using testing_util::TempDir;

class HarderData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("glyph-train");
    data::write_glyph_cifar10(dir_->str(), 1200, 1000, 1);  // 6,000 training images, 1,000 test
  }
  static void TearDownTestSuite() { delete dir_; }

  static TrainResult train(int bits, double clip_sigmas, const std::string& name) {
    TrainConfig c;
    c.model.name = "vgg_small";
    c.model.weight_bits = c.model.activation_bits = bits;
    c.model.act_clip_sigmas = clip_sigmas;
    c.dataset = "cifar10";
    c.data_dir = dir_->str();
    c.epochs = kEpochs;
    c.batch_size = 64;
    c.threads = 1;
    c.out = dir_->file(name);
    TrainHooks h;
    h.verbose = h.progress = false;
    h.after_epoch = [&](const EpochMetrics& m) {
      if (m.epoch == 1) first_epoch_loss_ = m.train_loss;
      return true;
    };
    return run_training(c, false, h);
  }

  static constexpr int kEpochs = 3;
  static TempDir* dir_;
  static double first_epoch_loss_;
};

TempDir* HarderData::dir_ = nullptr;
double HarderData::first_epoch_loss_ = 0;

TEST_F(HarderData, FourBitActivationsLearnAsFullPrecisionDoes) {
  const TrainResult fp32 = train(32, 0, "fp32");
  const TrainResult q4 = train(4, 0, "q4");
  const double q4_first_loss = first_epoch_loss_;
  const TrainResult literal = train(4, 1.0, "literal");
  const double literal_first_loss = first_epoch_loss_;
  // Measured (6,000 images, 3 epochs, batch 64): FP32 93.1%, 4/4 92.6% (first-epoch train
  // loss 1.85), 4/4 with the literal clip 22.8% (first-epoch loss 2.34, ln 10 = 2.303).
  EXPECT_GT(fp32.last.test.top1, 88.0);
  EXPECT_GT(q4.last.test.top1, fp32.last.test.top1 - 3.0);
  EXPECT_LT(q4_first_loss, 2.0);
  EXPECT_LT(literal.last.test.top1, 50.0) << "the literal recipe no longer lags: update docs/TRAINING.md";
  EXPECT_GT(literal_first_loss, 2.2);
  // The literal clip shows as saturation of every hidden activation (measured 14-17% above
  // 1); the default clip leaves about 1% there.
  for (const char* layer : {"stage1.2", "stage1.5", "stage2.2", "stage2.5"}) {
    EXPECT_GT(literal.last.layers.clipped_high.at(layer), 0.12) << layer;
    EXPECT_LT(q4.last.layers.clipped_high.at(layer), 0.05) << layer;
  }
}

}  // namespace
}  // namespace train
}  // namespace wrpn
