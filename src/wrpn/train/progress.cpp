#include "wrpn/train/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace wrpn {
namespace train {

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled) {}

bool ProgressLine::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

void ProgressLine::update(const std::string& prefix, int64_t done, int64_t total, double images_per_s, double loss,
                          double eta_seconds) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && done < total && now - last_draw_ < std::chrono::milliseconds(250)) return;
  last_draw_ = now;
  drawn_ = true;
  constexpr int kBarWidth = 24;
  const int filled = total > 0 ? int(kBarWidth * done / total) : kBarWidth;
  std::fprintf(stderr, "\r%s [%s%s] %lld/%lld  %.0f img/s  loss %.4f  %s\033[K", prefix.c_str(),
               std::string(size_t(filled), '#').c_str(), std::string(size_t(kBarWidth - filled), '.').c_str(),
               (long long)done, (long long)total, images_per_s, loss, ("ETA " + format_duration(eta_seconds)).c_str());
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  drawn_ = false;
}

std::string format_duration(double seconds) {
  const int64_t s = int64_t(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace train
}  // namespace wrpn
