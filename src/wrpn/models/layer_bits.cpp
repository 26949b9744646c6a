#include "wrpn/models/layer_bits.h"

#include <fmt/format.h>

#include <map>
#include <stdexcept>

#include "wrpn/models/model_spec.h"

namespace wrpn {
namespace models {
namespace {

int parse_bits(const std::string& text, const std::string& rule, const char* what) {
  if (text == "-") return 0;
  size_t used = 0;
  int bits = -1;
  try {
    bits = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !((bits >= 1 && bits <= 8) || bits == 32)) {
    throw std::invalid_argument(
        fmt::format("layer bits '{}': {} bits must be 1..8, 32 or - (the model's), got '{}'", rule, what, text));
  }
  return bits;
}

std::string shown(int bits) { return bits == 0 ? "-" : std::to_string(bits); }

// The first rule matching `path`, or null; counts the match.
const LayerBitsRule* first_match(const std::vector<LayerBitsRule>& rules, std::vector<int>& matched,
                                 const std::string& path) {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (path_matches(rules[i].pattern, path)) {
      ++matched[i];
      return &rules[i];
    }
  }
  return nullptr;
}

// Walks the network's description: sets the bits the rules give, then each conv's and linear's
// input bits to those of the codes it really reads (the packed saving and the int8 forward
// decode their input at those bits).
class LayerBitsSink : public nn::GraphSink {
 public:
  LayerBitsSink(torch::nn::Module& network, const std::vector<LayerBitsRule>& rules)
      : rules_(rules), matched_(rules.size(), 0) {
    for (const auto& item : network.named_modules("", /*include_self=*/false)) {
      modules_[item.value().get()] = {item.key(), item.value().get()};
    }
  }
  const std::vector<int>& matched() const { return matched_; }

  nn::ValueRef input() override { return value(32); }
  nn::ValueRef conv(nn::ValueRef x, const nn::QConv2dImpl& conv, const torch::nn::BatchNorm2dImpl*,
                    const nn::QReLUImpl* act) override {
    return layer(x, conv, act);
  }
  nn::ValueRef linear(nn::ValueRef x, const nn::QLinearImpl& fc, const torch::nn::BatchNorm1dImpl*,
                      const nn::QReLUImpl* act) override {
    return layer(x, fc, act);
  }
  nn::ValueRef batch_norm(nn::ValueRef, const torch::nn::BatchNorm2dImpl&, const nn::QReLUImpl* act) override {
    return value(apply_activation(act, nullptr));
  }
  nn::ValueRef activation(nn::ValueRef, const nn::QReLUImpl& act) override {
    return value(apply_activation(&act, nullptr));
  }
  nn::ValueRef max_pool(nn::ValueRef x, int, int, int) override { return value(bits_[x]); }
  nn::ValueRef avg_pool(nn::ValueRef, int, int, int) override { return value(32); }
  nn::ValueRef global_avg_pool(nn::ValueRef) override { return value(32); }
  nn::ValueRef adaptive_avg_pool(nn::ValueRef x, int) override { return value(bits_[x]); }  // identity or refused
  nn::ValueRef flatten(nn::ValueRef x) override { return value(bits_[x]); }
  nn::ValueRef add(nn::ValueRef, nn::ValueRef, const nn::QReLUImpl* act) override {
    return value(apply_activation(act, nullptr));
  }
  nn::ValueRef shortcut_a(nn::ValueRef x, int, int) override { return value(bits_[x]); }
  nn::ValueRef concat(const std::vector<nn::ValueRef>& parts) override {
    int bits = bits_[parts.front()];
    for (nn::ValueRef p : parts) bits = bits_[p] == bits ? bits : 32;  // mixed codes: read as floats
    return value(bits);
  }

 private:
  struct Named {
    std::string path;
    torch::nn::Module* module = nullptr;
  };
  nn::ValueRef value(int bits) {
    bits_.push_back(bits);
    return nn::ValueRef(bits_.size() - 1);
  }
  const std::string& path_of(const torch::nn::Module* m) const { return modules_.at(m).path; }
  // The walk hands out const layers; the network they belong to is ours to change.
  template <typename T>
  T* mutable_of(const T* m) const {
    return dynamic_cast<T*>(modules_.at(m).module);
  }
  // A conv or linear layer: its rule's weight bits, the bits of the codes it reads, and its
  // activation's bits.
  template <typename Layer>
  nn::ValueRef layer(nn::ValueRef x, const Layer& l, const nn::QReLUImpl* act) {
    Layer* target = mutable_of<Layer>(&l);
    const LayerBitsRule* rule = first_match(rules_, matched_, path_of(&l));
    if (rule && rule->weight_bits) target->set_weight_bits(rule->weight_bits);
    target->options.input_bits(bits_[x]);
    return value(apply_activation(act, rule));
  }
  // The activation quantizer's own rule, else that of the layer it follows; its bits after.
  int apply_activation(const nn::QReLUImpl* act, const LayerBitsRule* layer_rule) {
    if (!act) return 32;
    const LayerBitsRule* own = first_match(rules_, matched_, path_of(act));
    const LayerBitsRule* rule = own ? own : layer_rule;
    if (rule && rule->activation_bits) mutable_of<nn::QReLUImpl>(act)->set_bits(rule->activation_bits);
    return act->options.bits();
  }

  const std::vector<LayerBitsRule>& rules_;
  std::vector<int> matched_;
  std::map<const torch::nn::Module*, Named> modules_;
  std::vector<int> bits_;
};

}  // namespace

std::string LayerBitsRule::text() const {
  return fmt::format("{}={}/{}", pattern, shown(weight_bits), shown(activation_bits));
}

LayerBitsRule parse_layer_bits(const std::string& text) {
  const size_t eq = text.rfind('=');
  const size_t slash = eq == std::string::npos ? std::string::npos : text.find('/', eq);
  if (eq == std::string::npos || eq == 0 || slash == std::string::npos) {
    throw std::invalid_argument(fmt::format(
        "layer bits '{}' must read PATTERN=W/A, e.g. 'stage1.*=8/8' or 'fc*=4/-' (- keeps the model's bits)", text));
  }
  LayerBitsRule r;
  r.pattern = text.substr(0, eq);
  r.weight_bits = parse_bits(text.substr(eq + 1, slash - eq - 1), text, "weight");
  r.activation_bits = parse_bits(text.substr(slash + 1), text, "activation");
  return r;
}

bool path_matches(const std::string& pattern, const std::string& path) {
  // Iterative glob with one backtrack point: linear in practice, no recursion.
  size_t p = 0, s = 0, star = std::string::npos, resume = 0;
  while (s < path.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == path[s])) {
      ++p;
      ++s;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = s;
    } else if (star != std::string::npos) {
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

void apply_layer_bits(Network& network, const std::vector<LayerBitsRule>& rules) {
  if (rules.empty()) return;
  LayerBitsSink sink(network, rules);
  describe_network(sink, network);
  for (size_t i = 0; i < rules.size(); ++i) {
    if (sink.matched()[i] > 0) continue;
    std::vector<std::string> paths;
    for (const auto& item : network.named_modules("", /*include_self=*/false)) {
      const torch::nn::Module* m = item.value().get();
      if (dynamic_cast<const nn::QConv2dImpl*>(m) || dynamic_cast<const nn::QLinearImpl*>(m) ||
          dynamic_cast<const nn::QReLUImpl*>(m)) {
        paths.push_back(item.key());
      }
    }
    throw std::invalid_argument(fmt::format("layer bits '{}' match no layer (the layers: {})", rules[i].text(),
                                            fmt::join(paths, ", ")));
  }
}

}  // namespace models
}  // namespace wrpn
