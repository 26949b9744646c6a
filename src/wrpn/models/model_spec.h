// What a model builder needs to know: which network, how wide, how many bits where.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <string>

#include "wrpn/models/layer_bits.h"
#include "wrpn/models/stage_width.h"
#include "wrpn/nn/graph_sink.h"
#include "wrpn/nn/qconv2d.h"
#include "wrpn/nn/qlinear.h"
#include "wrpn/nn/qrelu.h"
#include "wrpn/quant/scheme.h"
#include "wrpn/nn/weight_param.h"

namespace wrpn {
namespace models {

struct ModelSpec {
  /// Registered model name (see registry.h), or the name of `network`.
  std::string name = "vgg_small";
  /// A network of the user's own (models/network_json.h); null: the registered model `name`.
  nlohmann::json network;
  /// Width multiplier applied to every hidden layer's channels (not input or classes).
  double width = 1.0;
  /// Weight bits of the hidden conv/linear layers: 1..8 or 32.
  int weight_bits = 32;
  /// Activation bits of every activation quantizer: 1..8 or 32 (ReLU).
  int activation_bits = 32;
  /// Weight bits of the first conv. Default 32: WRPN keeps it full precision.
  int first_weight_bits = 32;
  /// Weight bits of the classifier. Default 32: WRPN keeps it full precision.
  int last_weight_bits = 32;
  /// Number of classes.
  int64_t classes = 10;
  /// Input image channels.
  int64_t in_channels = 1;
  /// Input image height = width, in pixels.
  int64_t input_size = 28;
  /// Weight parametrisation of every quantized layer (see nn/weight_param.h).
  nn::WeightParam weight_param = nn::WeightParam::Unit;
  /// 1-bit weights: one alpha per output channel.
  bool per_channel_alpha = false;
  /// Where the activation clip sits at initialisation, in batch-norm standard deviations
  /// (quant/activation_range.h): 0 = the default for the activation bits (1.22 at 1 bit, 2.90 at 2-4),
  /// 1 = the paper's literal recipe (batch-norm scale 1).
  double act_clip_sigmas = 0.0;
  /// The quantizer of every quantized layer (quant/scheme.h). Default WRPN's.
  quant::Scheme quantizer = quant::Scheme::Wrpn;
  /// Bits per layer, over the ones above (layer_bits.h); applied when the model is built.
  std::vector<LayerBitsRule> layer_bits;
  /// Width per stage, over `width` (stage_width.h); checked when the model is built.
  std::vector<StageWidthRule> stage_width;
  /// While a model is built: the stages its builder widened (build_model checks the rules
  /// against them). Copies of the spec share it.
  std::shared_ptr<std::vector<std::string>> widened_stages;

  /// Throws std::invalid_argument naming the field and value when a field is out of range.
  void validate() const;
  /// "vgg_small w2 4/4" style label ("vgg_small w2 4/4 +1 layer rule" with layer_bits, "+1
  /// stage width" with stage_width).
  std::string label() const;

  /// Options for a conv of this model with the given weight bits, taking quantized
  /// activations as input (set input_bits(32) on a layer that reads the image).
  nn::QConv2dOptions conv(int64_t in, int64_t out, int64_t kernel, int bits, int64_t stride = 1,
                          int64_t padding = 0) const;
  /// Options for a linear layer of this model with the given weight bits.
  nn::QLinearOptions linear(int64_t in, int64_t out, int bits, bool bias) const;
  /// Options of the activation quantizer: activation_bits under `quantizer`.
  nn::QReLUOptions activation() const { return nn::QReLUOptions(activation_bits).scheme(quantizer); }
  /// The classifier: `in` features -> classes, last_weight_bits, a bias, and the input scale
  /// of a layer with no batch norm after it (activation_range()).
  nn::QLinearOptions classifier(int64_t in) const;
  /// The activation clip c in batch-norm standard deviations (quant/activation_range.h): the
  /// registry initialises every batch-norm scale to 1 / c, and layers reading those
  /// activations without a batch norm after them scale their input by c. 1 at 32 bits, and
  /// for the quantizers whose range is learned (PACT, LSQ).
  double activation_range() const;
  /// Channels of a hidden layer of `stage` after widening: `width`, or the first stage_width
  /// rule that matches the stage's name.
  int64_t wide(int64_t channels, const std::string& stage) const {
    return nn::widen(channels, stage_width_of(stage_width, width, stage, widened_stages.get()));
  }
  /// Channels after widening by `width` alone: a layer of no stage (stage_width rules cannot
  /// name it, and a rule that names nothing else is an error).
  int64_t wide(int64_t channels) const { return nn::widen(channels, width); }
};

/// Every model is a Module with a forward from images to logits that describes itself
/// (nn/graph_sink.h): export, summaries and cost walk that description.
class Network : public torch::nn::Module, public nn::Describable {
 public:
  /// images (N, C, H, W) -> logits (N, classes)
  virtual torch::Tensor forward(torch::Tensor images) = 0;
  /// By default: the registered children in registration order, which is right for a network
  /// whose forward applies them in that order (as Chain's does); override it otherwise.
  nn::ValueRef describe(nn::GraphSink& sink, nn::ValueRef x, const std::string& path) const override;
};

/// Describes `network` from the sink's input; returns its logits.
inline nn::ValueRef describe_network(nn::GraphSink& sink, const Network& network) {
  return network.describe(sink, sink.input(), "");
}

/// Throws std::invalid_argument when `spec.input_size` is below what `model` supports.
void require_input_size(const ModelSpec& spec, int64_t minimum);

}  // namespace models
}  // namespace wrpn
