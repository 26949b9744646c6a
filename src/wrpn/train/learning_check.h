// Whether an epoch learned at all: a mean training loss no better than a uniform guess over the
// classes (ln C) and a test accuracy under 1.5x chance mean the network has not started (the
// accuracy keeps a few noisy first steps of an otherwise learning run from being named). Measured cause on wide residual networks
// (docs/TRAINING.md, "Wide networks and warm-up"): lr 0.1 from the first step, in FP32 as in
// low precision; a short linear warm-up lets them start.
#pragma once

#include <cstdint>
#include <string>

namespace wrpn {
namespace train {

/// The warning for an epoch whose mean training loss is at or above ln(classes) (the loss of
/// a uniform guess) and whose test accuracy (%) is under 1.5 x 100 / classes, naming the
/// figures and what to try; empty when the epoch learned.
std::string not_learning_warning(int64_t epoch, double train_loss, double test_acc, int64_t classes,
                                 double warmup_epochs, double lr);

}  // namespace train
}  // namespace wrpn
