// Bits per layer (config key `layer_bits`, flag --layer-bits): rules "PATTERN=W/A" that give
// the layers whose module path matches PATTERN other weight and activation bits than the
// model-wide --wbits/--abits, e.g. "stage1.*=8/8" (the first stage at 8/8) or "fc*=4/-".
//
// PATTERN is a glob over the module paths `wrpn info` lists ('*' any run, '?' one character).
// W applies to a matched conv or linear layer's weights; A to its activation quantizer (the
// one fused after it) and to a matched activation quantizer itself; '-' keeps the model's
// bits. The first rule that matches a layer decides; a rule that matches nothing is an error.
#pragma once

#include <string>
#include <vector>

namespace wrpn {
namespace models {

struct LayerBitsRule {
  std::string pattern;
  int weight_bits = 0;      ///< 1..8 or 32; 0 keeps the model's
  int activation_bits = 0;  ///< 1..8 or 32; 0 keeps the model's

  /// "PATTERN=W/A", as parsed.
  std::string text() const;
  bool operator==(const LayerBitsRule& o) const {
    return pattern == o.pattern && weight_bits == o.weight_bits && activation_bits == o.activation_bits;
  }
};

/// Parses "PATTERN=W/A"; throws std::invalid_argument naming the text and what is wrong.
LayerBitsRule parse_layer_bits(const std::string& text);

/// Glob match of a module path: '*' any run of characters (dots included), '?' one.
bool path_matches(const std::string& pattern, const std::string& path);

class Network;

/// Applies `rules` to a network just built (before training: bits that change may register
/// PACT's or LSQ's parameters), and sets every conv's and linear's input bits to those of the
/// activations it reads. Throws std::invalid_argument for a rule that matches no layer, naming
/// the layers there are.
void apply_layer_bits(Network& network, const std::vector<LayerBitsRule>& rules);

}  // namespace models
}  // namespace wrpn
