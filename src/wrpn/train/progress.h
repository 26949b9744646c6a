// A one-line progress display (images/s, ETA, loss) redrawn in place on a terminal, and
// silent when output goes to a log file.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace wrpn {
namespace train {

class ProgressLine {
 public:
  /// `enabled` is usually "stderr is a terminal".
  explicit ProgressLine(bool enabled);
  /// Redraws at most a few times a second.
  void update(const std::string& prefix, int64_t done, int64_t total, double images_per_s, double loss,
              double eta_seconds);
  /// Clears the line.
  void finish();

  static bool stderr_is_terminal();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

/// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace train
}  // namespace wrpn
