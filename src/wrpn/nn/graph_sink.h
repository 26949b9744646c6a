// The one walk of a network. Every block and network describes itself to a GraphSink, in
// forward order: the .wrpn exporter, the layer summary (wrpn info, wrpn cost) and the
// build-time shape check are sinks of the same walk, so a network made of describable blocks
// exports and is accounted for without anybody knowing its name.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace wrpn {
namespace nn {

class QConv2dImpl;
class QLinearImpl;
class QReLUImpl;

/// A value of the sink's graph: a feature map (C, H, W) or a feature vector (F).
using ValueRef = uint32_t;

class GraphSink {
 public:
  virtual ~GraphSink() = default;
  /// The network's input image.
  virtual ValueRef input() = 0;
  /// conv -> batch norm (null: none) -> activation quantizer (null: none).
  virtual ValueRef conv(ValueRef x, const QConv2dImpl& conv, const torch::nn::BatchNorm2dImpl* bn,
                        const QReLUImpl* act) = 0;
  /// linear on a feature vector -> batch norm (null: none) -> activation quantizer (null: none).
  virtual ValueRef linear(ValueRef x, const QLinearImpl& fc, const torch::nn::BatchNorm1dImpl* bn,
                          const QReLUImpl* act) = 0;
  /// Batch norm -> activation quantizer (null: none) on their own (pre-activation blocks).
  virtual ValueRef batch_norm(ValueRef x, const torch::nn::BatchNorm2dImpl& bn, const QReLUImpl* act) = 0;
  /// An activation quantizer with no conv, linear or batch norm before it.
  virtual ValueRef activation(ValueRef x, const QReLUImpl& act) = 0;
  /// Pools as torch::max_pool2d / avg_pool2d (floor mode; avg counts the zero padding).
  virtual ValueRef max_pool(ValueRef x, int kernel, int stride, int pad) = 0;
  virtual ValueRef avg_pool(ValueRef x, int kernel, int stride, int pad) = 0;
  /// Mean over H and W: (C, H, W) -> (C).
  virtual ValueRef global_avg_pool(ValueRef x) = 0;
  /// torch::adaptive_avg_pool2d to (C, size, size).
  virtual ValueRef adaptive_avg_pool(ValueRef x, int size) = 0;
  /// (C, H, W) -> (C*H*W), channel-major.
  virtual ValueRef flatten(ValueRef x) = 0;
  /// a + b -> activation quantizer (null: none).
  virtual ValueRef add(ValueRef a, ValueRef b, const QReLUImpl* act) = 0;
  /// ResNet option-A shortcut: subsample by `stride`, zero-pad channels to `out_channels`.
  virtual ValueRef shortcut_a(ValueRef x, int stride, int out_channels) = 0;
  /// Channel concatenation of maps of one size.
  virtual ValueRef concat(const std::vector<ValueRef>& parts) = 0;
};

/// A module that can say what it is. Every wrpn block and zoo network is one. `path` is the
/// module's name inside the network ("layer1.0"), for errors.
class Describable {
 public:
  virtual ~Describable() = default;
  virtual ValueRef describe(GraphSink& sink, ValueRef x, const std::string& path) const = 0;
};

/// What a walk throws: the first layer it cannot describe, or a sink's refusal, prefixed by
/// the path of the layer.
class DescribeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Describes any module: a Describable, a Sequential (its children in order), or a lone
/// QConv2d, QLinear, batch norm or QReLU. Throws DescribeError naming `path` and the module's
/// type for anything else.
ValueRef describe_module(GraphSink& sink, ValueRef x, const torch::nn::Module& m, const std::string& path);

/// Children in forward order. A QConv2d or QLinear followed by a batch norm and/or a QReLU
/// fuses with them into one conv or linear, as does a batch norm followed by a QReLU.
using NamedChild = std::pair<std::string, const torch::nn::Module*>;
ValueRef describe_sequence(GraphSink& sink, ValueRef x, const std::vector<NamedChild>& children,
                           const std::string& path);

/// "path.name" (or "name" at the top).
std::string child_path(const std::string& path, const std::string& name);

}  // namespace nn
}  // namespace wrpn
