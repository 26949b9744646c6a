#include "wrpn/train/learning_check.h"

#include <fmt/format.h>

#include <cmath>

namespace wrpn {
namespace train {

std::string not_learning_warning(int64_t epoch, double train_loss, double test_acc, int64_t classes,
                                 double warmup_epochs, double lr) {
  const double uniform = std::log(double(classes)), chance = 100.0 / double(classes);
  if (!(train_loss >= uniform) || test_acc >= 1.5 * chance) return "";  // learned (NaN losses stop elsewhere)
  const std::string remedy =
      warmup_epochs > 0 ? fmt::format("a lower --lr than {:g}", lr)
                        : fmt::format("a short linear warm-up, --warmup-epochs 0.5 (lr {:g} from the first step "
                                      "stalls wide residual networks, FP32 as well)",
                                      lr);
  return fmt::format(
      "epoch {}: the mean training loss {:.3f} is no better than a uniform guess over {} classes (ln {} = {:.3f}), "
      "test accuracy {:.2f}%: the network has not started learning; try {} (docs/TRAINING.md, \"Wide networks and "
      "warm-up\")",
      epoch, train_loss, classes, classes, uniform, test_acc, remedy);
}

}  // namespace train
}  // namespace wrpn
