#include "wrpn/models/network_json.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <map>
#include <set>

#include "wrpn/models/blocks/chain.h"
#include "wrpn/models/blocks/conv_bn.h"
#include "wrpn/models/blocks/linear_bn.h"
#include "wrpn/models/blocks/pooling.h"
#include "wrpn/models/blocks/residual.h"
#include "wrpn/quant/bits.h"

namespace wrpn {
namespace models {
namespace {

// Each block type and the keys it takes (the first ones listed are required).
struct BlockType {
  std::vector<std::string> required, optional;
};

const std::map<std::string, BlockType>& block_types() {
  static const std::map<std::string, BlockType> types = {
      {"conv", {{"channels"}, {"kernel", "stride", "padding", "weight_bits"}}},
      {"residual", {{"channels"}, {"stride"}}},
      {"max_pool", {{"kernel"}, {"stride", "padding"}}},
      {"global_avg_pool", {{}, {}}},
      {"flatten", {{}, {}}},
      {"linear", {{"features"}, {"weight_bits"}}},
  };
  return types;
}

std::string known_types() {
  std::vector<std::string> names;
  for (const auto& [name, type] : block_types()) names.push_back(name);
  return fmt::format("{}", fmt::join(names, ", "));
}

// Throws naming the block when its type or keys are wrong.
void check_block(const nlohmann::json& block, size_t index) {
  if (!block.is_object() || !block.contains("type") || !block["type"].is_string()) {
    throw std::invalid_argument(fmt::format("block {}: needs a \"type\" ({})", index, known_types()));
  }
  const std::string type = block["type"];
  const auto found = block_types().find(type);
  if (found == block_types().end()) {
    throw std::invalid_argument(fmt::format("block {}: unknown type '{}' (known: {})", index, type, known_types()));
  }
  std::set<std::string> allowed = {"type"};
  for (const auto& k : found->second.required) allowed.insert(k);
  for (const auto& k : found->second.optional) allowed.insert(k);
  for (const auto& item : block.items()) {
    if (!allowed.count(item.key())) {
      throw std::invalid_argument(fmt::format("block {} ({}): unknown key \"{}\" (takes: {})", index, type, item.key(),
                                              fmt::join(allowed, ", ")));
    }
    if (item.key() != "type" && !item.value().is_number_integer()) {
      throw std::invalid_argument(fmt::format("block {} ({}): \"{}\" must be an integer, got {}", index, type,
                                              item.key(), item.value().dump()));
    }
  }
  for (const auto& k : found->second.required) {
    if (!block.contains(k)) throw std::invalid_argument(fmt::format("block {} ({}): needs \"{}\"", index, type, k));
  }
}

int64_t positive(const nlohmann::json& block, const char* key, int64_t fallback, size_t index, int64_t minimum = 1) {
  const int64_t v = block.value(key, fallback);
  if (v < minimum) {
    throw std::invalid_argument(fmt::format("block {} ({}): \"{}\" must be >= {}, got {}", index,
                                            block["type"].get<std::string>(), key, minimum, v));
  }
  return v;
}

int weight_bits(const nlohmann::json& block, int fallback, size_t index) {
  const int bits = int(block.value("weight_bits", fallback));
  if (!quant::is_valid_bits(bits)) {
    throw std::invalid_argument(fmt::format("block {} ({}): \"weight_bits\" must be 1..8 or 32, got {}", index,
                                            block["type"].get<std::string>(), bits));
  }
  return bits;
}

// The chain of a description: blocks named "<type><index>", then "classifier". Shapes are
// followed here (square maps) so that a block that does not fit is named at build time.
class JsonNetwork : public Chain {
 public:
  explicit JsonNetwork(const ModelSpec& spec) {
    const nlohmann::json& blocks = spec.network.at("blocks");
    int64_t channels = spec.in_channels, side = spec.input_size;
    int64_t features = 0;  // > 0: the value is a vector of this size, no longer a map
    bool first_layer = true;
    for (size_t i = 0; i < blocks.size(); ++i) {
      const nlohmann::json& b = blocks[i];
      const size_t n = i + 1;
      check_block(b, n);
      const std::string type = b["type"];
      const std::string name = fmt::format("{}{}", type, n);
      const auto fail = [&](const std::string& why) {
        return std::invalid_argument(fmt::format("block {} ({}): {}", n, type, why));
      };
      if (type != "linear" && features > 0) throw fail("needs a feature map, but an earlier block made it a vector");
      const auto shrink = [&](int64_t kernel, int64_t stride, int64_t padding) {
        if (side + 2 * padding < kernel) {
          throw fail(fmt::format("a {}x{} window does not fit the {}x{} map", kernel, kernel, side, side));
        }
        side = (side + 2 * padding - kernel) / stride + 1;
      };
      if (type == "conv") {
        const int64_t out = spec.wide(positive(b, "channels", 0, n));
        const int64_t kernel = positive(b, "kernel", 3, n), stride = positive(b, "stride", 1, n);
        const int64_t padding = positive(b, "padding", kernel / 2, n, 0);
        const int bits = weight_bits(b, first_layer ? spec.first_weight_bits : spec.weight_bits, n);
        auto options = spec.conv(channels, out, kernel, bits, stride, padding);
        if (first_layer) options.input_bits(32);  // it reads the image
        add(name, conv_bn_act(spec, options));
        shrink(kernel, stride, padding);
        channels = out;
      } else if (type == "residual") {
        if (first_layer) throw fail("cannot read the image: start with a conv");
        const int64_t out = spec.wide(positive(b, "channels", 0, n)), stride = positive(b, "stride", 1, n);
        if (out < channels)
          throw fail(fmt::format("an option-A shortcut cannot drop channels ({} -> {})", channels, out));
        add(name, CifarBlock(spec, channels, out, stride));
        shrink(3, stride, 1);
        channels = out;
      } else if (type == "max_pool") {
        const int64_t kernel = positive(b, "kernel", 0, n), stride = positive(b, "stride", kernel, n);
        const int64_t padding = positive(b, "padding", 0, n, 0);
        if (2 * padding > kernel)
          throw fail(fmt::format("padding {} is more than half the kernel {}", padding, kernel));
        add(name, MaxPool(MaxPoolOptions(kernel).stride(stride).padding(padding).input_bits(
                      first_layer ? 0 : spec.activation_bits)));
        shrink(kernel, stride, padding);
      } else if (type == "global_avg_pool") {
        add(name, GlobalAvgPool());
        features = channels;
      } else if (type == "flatten") {
        add(name, Flatten());
        features = channels * side * side;
      } else if (type == "linear") {
        if (features == 0) throw fail("needs a vector: put a flatten or a global_avg_pool before it");
        const int64_t out = spec.wide(positive(b, "features", 0, n));
        const int bits = weight_bits(b, first_layer ? spec.first_weight_bits : spec.weight_bits, n);
        auto options = spec.linear(features, out, bits, false);
        if (first_layer) options.input_bits(32);
        add(name, LinearBn(options, spec.activation_bits));
        features = out;
      }
      first_layer = first_layer && type != "conv" && type != "linear";
    }
    if (features == 0) {
      add("pool", GlobalAvgPool());
      features = channels;
    }
    add("classifier", nn::QLinear(spec.classifier(features)));
  }
};

}  // namespace

nlohmann::json read_network_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(fmt::format("network description {}: cannot be read", path));
  nlohmann::json d;
  try {
    d = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument(fmt::format("network description {}: not JSON ({})", path, e.what()));
  }
  try {
    check_description(d);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("network description {}: {}", path, e.what()));
  }
  return d;
}

void check_description(const nlohmann::json& d) {
  if (!d.is_object() || !d.contains("blocks") || !d["blocks"].is_array() || d["blocks"].empty()) {
    throw std::invalid_argument("needs an object with a non-empty \"blocks\" list");
  }
  for (const auto& item : d.items()) {
    if (item.key() != "name" && item.key() != "blocks") {
      throw std::invalid_argument(fmt::format("unknown key \"{}\" (takes: name, blocks)", item.key()));
    }
  }
  if (d.contains("name") && (!d["name"].is_string() || d["name"].get<std::string>().empty())) {
    throw std::invalid_argument("\"name\" must be a non-empty string");
  }
  for (size_t i = 0; i < d["blocks"].size(); ++i) check_block(d["blocks"][i], i + 1);
}

std::string network_name(const nlohmann::json& d) { return d.value("name", std::string("network")); }

std::shared_ptr<Network> build_network(const ModelSpec& spec) {
  check_description(spec.network);
  return std::make_shared<JsonNetwork>(spec);
}

}  // namespace models
}  // namespace wrpn
