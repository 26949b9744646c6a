#include "wrpn/models/network_json.h"

#include <fmt/format.h>

#include "wrpn/models/blocks/chain.h"
#include "wrpn/models/blocks/conv_bn.h"
#include "wrpn/models/blocks/linear_bn.h"
#include "wrpn/models/blocks/pooling.h"
#include "wrpn/models/blocks/residual.h"

namespace wrpn {
namespace models {
namespace {

// Values check_description has already held to their ranges (network_description.h).
int64_t value_or(const nlohmann::json& block, const char* key, int64_t fallback) { return block.value(key, fallback); }

int weight_bits(const nlohmann::json& block, int fallback) { return block.value("weight_bits", fallback); }

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
        const int64_t out = spec.wide(value_or(b, "channels", 0), name);
        const int64_t kernel = value_or(b, "kernel", 3), stride = value_or(b, "stride", 1);
        const int64_t padding = value_or(b, "padding", kernel / 2);
        const int bits = weight_bits(b, first_layer ? spec.first_weight_bits : spec.weight_bits);
        auto options = spec.conv(channels, out, kernel, bits, stride, padding);
        if (first_layer) options.input_bits(32);  // it reads the image
        add(name, conv_bn_act(spec, options));
        shrink(kernel, stride, padding);
        channels = out;
      } else if (type == "residual") {
        if (first_layer) throw fail("cannot read the image: start with a conv");
        const int64_t out = spec.wide(value_or(b, "channels", 0), name), stride = value_or(b, "stride", 1);
        if (out < channels)
          throw fail(fmt::format("an option-A shortcut cannot drop channels ({} -> {})", channels, out));
        add(name, CifarBlock(spec, channels, out, stride));
        shrink(3, stride, 1);
        channels = out;
      } else if (type == "max_pool") {
        const int64_t kernel = value_or(b, "kernel", 0), stride = value_or(b, "stride", kernel);
        const int64_t padding = value_or(b, "padding", 0);
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
        const int64_t out = spec.wide(value_or(b, "features", 0), name);
        const int bits = weight_bits(b, first_layer ? spec.first_weight_bits : spec.weight_bits);
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

std::shared_ptr<Network> build_network(const ModelSpec& spec) {
  check_description(spec.network);
  return std::make_shared<JsonNetwork>(spec);
}

}  // namespace models
}  // namespace wrpn
