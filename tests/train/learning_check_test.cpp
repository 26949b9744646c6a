// The "not learning" warning (train/learning_check.h): silent below ln(classes), and at or above
// it one message naming the epoch, the loss, ln C and what to try.
#include <gtest/gtest.h>

#include <cmath>

#include "wrpn/train/learning_check.h"

namespace wrpn {
namespace train {
namespace {

TEST(LearningCheck, SilentWhenTheLossIsBelowAUniformGuessOrTheTestAccuracyAboveChance) {
  EXPECT_EQ(not_learning_warning(1, 2.30, 10.0, 10, 0, 0.1), "");  // ln 10 = 2.3026
  EXPECT_EQ(not_learning_warning(1, 0.93, 96.3, 10, 0, 0.1), "");
  EXPECT_EQ(not_learning_warning(1, 4.60, 1.0, 100, 0, 0.1), "");   // ln 100 = 4.605
  EXPECT_EQ(not_learning_warning(1, 2.40, 15.0, 10, 0, 0.1), "");   // 1.5x chance: a start, after a rough few steps
}

TEST(LearningCheck, NamesTheFiguresAndTheRemedy) {
  // resnet20 2x FP32 on the glyph set, epoch 1 without warm-up (docs/TRAINING.md).
  EXPECT_EQ(not_learning_warning(1, 2.550, 10.80, 10, 0, 0.1),
            "epoch 1: the mean training loss 2.550 is no better than a uniform guess over 10 classes (ln 10 = 2.303), "
            "test accuracy 10.80%: the network has not started learning; try a short linear warm-up, --warmup-epochs 0.5 (lr 0.1 from the "
            "first step stalls wide residual networks, FP32 as well) (docs/TRAINING.md, \"Wide networks and warm-up\")");
  EXPECT_EQ(not_learning_warning(2, std::log(10.0), 14.99, 10, 0.5, 0.2),
            "epoch 2: the mean training loss 2.303 is no better than a uniform guess over 10 classes (ln 10 = 2.303), "
            "test accuracy 14.99%: the network has not started learning; try a lower --lr than 0.2 (docs/TRAINING.md, \"Wide networks and "
            "warm-up\")");
}

}  // namespace
}  // namespace train
}  // namespace wrpn
