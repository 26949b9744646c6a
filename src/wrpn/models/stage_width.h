// Width per stage (config key `stage_width`, flag --stage-width): rules "PATTERN=WIDTH" that
// widen the stages whose name matches PATTERN by WIDTH instead of the model-wide --width, e.g.
// "stage3=3" (vgg_small's last stage 3x wide) or "layer*=2".
//
// A stage is what a model builder widens as one: vgg_small's stage1..stage3, a ResNet's stem
// and layer1..layerN, LeNet-5's conv1, conv2, fc1, fc2, a network of your own's blocks (conv1,
// residual2, ...). PATTERN is the glob of layer_bits.h over those names. The first rule that
// matches a stage decides; a rule that matches no stage is an error naming the stages there are.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace wrpn {
namespace models {

struct StageWidthRule {
  std::string pattern;
  double width = 1.0;  ///< > 0, finite

  /// "PATTERN=WIDTH", as parsed.
  std::string text() const;
  bool operator==(const StageWidthRule& o) const { return pattern == o.pattern && width == o.width; }
};

/// Parses "PATTERN=WIDTH"; throws std::invalid_argument naming the text and what is wrong.
StageWidthRule parse_stage_width(const std::string& text);

/// The width of `stage`: the first rule matching its name, else `width`. Records the stage in
/// `seen` (when not null) so that rules matching nothing can be named afterwards.
double stage_width_of(const std::vector<StageWidthRule>& rules, double width, const std::string& stage,
                      std::vector<std::string>* seen);

/// Throws std::invalid_argument for the first rule that matches none of `stages`, naming them.
void check_stage_width_rules(const std::vector<StageWidthRule>& rules, const std::vector<std::string>& stages,
                             const std::string& model);

}  // namespace models
}  // namespace wrpn
