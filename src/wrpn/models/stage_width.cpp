#include "wrpn/models/stage_width.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "wrpn/models/layer_bits.h"

namespace wrpn {
namespace models {

std::string StageWidthRule::text() const { return fmt::format("{}={:g}", pattern, width); }

StageWidthRule parse_stage_width(const std::string& text) {
  const size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw std::invalid_argument(
        fmt::format("stage width '{}' must read PATTERN=WIDTH, e.g. 'stage3=3' or 'layer*=2'", text));
  }
  const std::string number = text.substr(eq + 1);
  size_t used = 0;
  double width = 0;
  try {
    width = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  // 64x is far past any network the paper or a user trains; a typo like 20 for 2.0 stays caught.
  if (used != number.size() || !std::isfinite(width) || width <= 0 || width > 64) {
    throw std::invalid_argument(
        fmt::format("stage width '{}': the width must be a number in (0, 64], got '{}'", text, number));
  }
  return {text.substr(0, eq), width};
}

double stage_width_of(const std::vector<StageWidthRule>& rules, double width, const std::string& stage,
                      std::vector<std::string>* seen) {
  if (seen && std::find(seen->begin(), seen->end(), stage) == seen->end()) seen->push_back(stage);
  for (const StageWidthRule& r : rules) {
    if (path_matches(r.pattern, stage)) return r.width;
  }
  return width;
}

void check_stage_width_rules(const std::vector<StageWidthRule>& rules, const std::vector<std::string>& stages,
                             const std::string& model) {
  for (const StageWidthRule& r : rules) {
    const bool matched =
        std::any_of(stages.begin(), stages.end(), [&](const std::string& s) { return path_matches(r.pattern, s); });
    if (!matched) {
      throw std::invalid_argument(fmt::format("stage width '{}' matches no stage of {} (its stages: {})", r.text(),
                                              model, stages.empty() ? "none" : fmt::format("{}", fmt::join(stages, ", "))));
    }
  }
}

}  // namespace models
}  // namespace wrpn
