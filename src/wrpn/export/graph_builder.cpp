#include "wrpn/export/graph_builder.h"

#include "wrpn/runtime/graph_check.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace wrpn {
namespace exporter {

using runtime::Op;
using runtime::TensorInfo;
using runtime::TensorType;
using runtime::ValueInfo;
using runtime::ValueKind;

namespace {

std::vector<double> to_doubles(const torch::Tensor& t) {
  const torch::Tensor d = t.detach().to(torch::kCPU, torch::kDouble).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

// Code values are stored as integers; this is the real value of one unit.
double input_unit(const ValueInfo& v) { return v.kind == ValueKind::kCodes ? 1.0 / double((1 << v.bits) - 1) : 1.0; }

template <typename BatchNorm>
void bn_affine(const BatchNorm& bn, int64_t channels, std::vector<double>& scale, std::vector<double>& shift) {
  const auto& o = bn.options;
  if (!o.track_running_stats()) throw std::invalid_argument("export needs batch norm running statistics");
  const torch::Tensor ones = torch::ones({channels}), zeros = torch::zeros({channels});
  batch_norm_affine(o.affine() ? bn.weight : ones, o.affine() ? bn.bias : zeros, bn.running_mean, bn.running_var,
                    o.eps(), scale, shift);
}

}  // namespace

void batch_norm_affine(const torch::Tensor& gamma, const torch::Tensor& beta, const torch::Tensor& mean,
                       const torch::Tensor& var, double eps, std::vector<double>& scale, std::vector<double>& shift) {
  const auto g = to_doubles(gamma), b = to_doubles(beta), m = to_doubles(mean), v = to_doubles(var);
  scale.resize(g.size());
  shift.resize(g.size());
  for (size_t c = 0; c < g.size(); ++c) {
    scale[c] = g[c] / std::sqrt(v[c] + eps);
    shift[c] = b[c] - m[c] * scale[c];
  }
}

GraphBuilder::GraphBuilder(runtime::InputSpec input, std::string info_json) {
  model_.info = std::move(info_json);
  model_.values.push_back({ValueKind::kFloat, 32, input.channels, input.height, input.width});
  model_.input = std::move(input);
  flattened_from_.emplace_back();
}

ValueId GraphBuilder::add_value(ValueInfo v) {
  model_.values.push_back(v);
  flattened_from_.emplace_back();
  return ValueId(model_.values.size() - 1);
}

ValueId GraphBuilder::add_node(Op op, std::vector<ValueId> inputs, std::vector<int32_t> attrs,
                               std::vector<uint32_t> tensors, ValueInfo out) {
  runtime::Node n;
  n.op = op;
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  n.tensors = std::move(tensors);
  n.output = add_value(out);
  model_.nodes.push_back(std::move(n));
  return model_.nodes.back().output;
}

ValueInfo GraphBuilder::out_info(Activation act, int c, int h, int w) const {
  return act.mode == OutMode::kCodes ? ValueInfo{ValueKind::kCodes, act.bits, c, h, w}
                                     : ValueInfo{ValueKind::kFloat, 32, c, h, w};
}

uint32_t GraphBuilder::add_float_tensor(std::vector<int> dims, const std::vector<float>& values) {
  TensorInfo t;
  t.type = TensorType::kFloat32;
  t.bits = 32;
  t.dims = std::move(dims);
  t.data.resize(values.size() * sizeof(float));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  model_.tensors.push_back(std::move(t));
  return uint32_t(model_.tensors.size() - 1);
}

// `rows` is (O, K) in the runtime's order. Returns the tensor and, per output channel, the
// real value of one unit of the stored weight (gain / n, gain * alpha, or 1 for floats).
uint32_t GraphBuilder::add_weight_tensor(const torch::Tensor& rows_in, int bits, double gain,
                                         bool per_channel_alpha, std::vector<double>& weight_scale) {
  const torch::Tensor rows = rows_in.detach().to(torch::kCPU, torch::kFloat).contiguous();
  const int64_t out = rows.size(0);
  std::vector<int> dims(rows.sizes().begin(), rows.sizes().end());
  if (bits == 32) {
    weight_scale.assign(size_t(out), 1.0);
    const torch::Tensor effective = (rows * gain).contiguous();  // what QConv2d/QLinear multiply by
    return add_float_tensor(dims, std::vector<float>(effective.data_ptr<float>(), effective.data_ptr<float>() + effective.numel()));
  }
  torch::Tensor codes;
  if (bits == 1) {
    codes = torch::where(rows >= 0, torch::ones_like(rows), -torch::ones_like(rows));
    const torch::Tensor alpha = per_channel_alpha ? rows.abs().view({out, -1}).mean(1) : rows.abs().mean().expand({out});
    weight_scale = to_doubles(alpha);
    for (double& s : weight_scale) s *= gain;
  } else {
    const double n = double((1 << (bits - 1)) - 1);
    codes = torch::round(rows.clamp(-1, 1) * float(n));  // the quantizer's own float ops, half to even
    weight_scale.assign(size_t(out), gain / n);
  }
  const torch::Tensor c8 = codes.to(torch::kChar).contiguous();
  TensorInfo t;
  t.type = TensorType::kSignedCodes;
  t.bits = bits;
  t.dims = dims;
  t.data = runtime::pack_signed_codes(c8.data_ptr<int8_t>(), size_t(c8.numel()), bits);
  model_.tensors.push_back(std::move(t));
  return uint32_t(model_.tensors.size() - 1);
}

// scale[m] = weight unit * input unit * BN scale; bias[m] = layer bias * BN scale + BN shift.
std::pair<uint32_t, uint32_t> GraphBuilder::add_output_transform(const std::vector<double>& weight_scale,
                                                                 double input_unit, const std::vector<double>& bn_scale,
                                                                 const std::vector<double>& bn_shift,
                                                                 const torch::Tensor& layer_bias) {
  const int out = int(weight_scale.size());
  const std::vector<double> b = layer_bias.defined() ? to_doubles(layer_bias) : std::vector<double>(weight_scale.size(), 0.0);
  std::vector<float> scale, bias;
  for (int m = 0; m < out; ++m) {
    scale.push_back(float(weight_scale[m] * input_unit * bn_scale[m]));
    bias.push_back(float(b[m] * bn_scale[m] + bn_shift[m]));
  }
  return {add_float_tensor({out}, scale), add_float_tensor({out}, bias)};
}

ValueId GraphBuilder::conv(ValueId x, const nn::QConv2dImpl& conv, const torch::nn::BatchNorm2dImpl* bn, Activation act) {
  const auto& o = conv.options;
  const ValueInfo in = model_.values[x];
  if (o.groups() != 1) throw std::invalid_argument(fmt::format("export supports groups = 1 convolutions, got {}", o.groups()));
  if ((*o.stride())[0] != (*o.stride())[1] || (*o.padding())[0] != (*o.padding())[1]) {
    throw std::invalid_argument("export supports square strides and paddings");
  }
  if (o.in_channels() != in.channels) {
    throw std::invalid_argument(fmt::format("conv expects {} input channels, the graph has {}", o.in_channels(), in.channels));
  }
  const int out_c = int(o.out_channels()), kh = int((*o.kernel_size())[0]), kw = int((*o.kernel_size())[1]);
  const int stride = int((*o.stride())[0]), pad = int((*o.padding())[0]);
  std::vector<double> weight_scale;
  const uint32_t w = add_weight_tensor(conv.weight.permute({0, 2, 3, 1}), o.weight_bits(), conv.weight_gain() * o.input_scale(),
                                       o.per_channel_alpha(), weight_scale);
  std::vector<double> bn_scale(size_t(out_c), 1.0), bn_shift(size_t(out_c), 0.0);
  if (bn) bn_affine(*bn, out_c, bn_scale, bn_shift);
  const auto [s, bi] = add_output_transform(weight_scale, input_unit(in), bn_scale, bn_shift, conv.bias);
  const int oh = (in.height + 2 * pad - kh) / stride + 1, ow = (in.width + 2 * pad - kw) / stride + 1;
  return add_node(Op::kConv2d, {x}, {out_c, kh, kw, stride, pad, o.weight_bits(), int32_t(act.mode), act.bits},
                  {w, s, bi}, out_info(act, out_c, oh, ow));
}

ValueId GraphBuilder::linear(ValueId x, const nn::QLinearImpl& fc, const torch::nn::BatchNorm1dImpl* bn, Activation act) {
  const auto& o = fc.options;
  const ValueInfo in = model_.values[x];
  if (size_t(o.in_features()) != in.elements()) {
    throw std::invalid_argument(fmt::format("linear expects {} features, the graph has {}", o.in_features(), in.elements()));
  }
  const int out = int(o.out_features());
  torch::Tensor rows = fc.weight;
  const ValueInfo& from = flattened_from_[x];
  if (from.height * from.width > 1) {
    // LibTorch flattened (C, H, W); the runtime's NHWC memory is (H, W, C): permute the columns.
    rows = rows.view({out, from.channels, from.height, from.width}).permute({0, 2, 3, 1}).reshape({out, -1});
  }
  std::vector<double> weight_scale;
  const uint32_t w = add_weight_tensor(rows, o.weight_bits(), fc.weight_gain() * o.input_scale(), o.per_channel_alpha(), weight_scale);
  std::vector<double> bn_scale(size_t(out), 1.0), bn_shift(size_t(out), 0.0);
  if (bn) bn_affine(*bn, out, bn_scale, bn_shift);
  const auto [s, bi] = add_output_transform(weight_scale, input_unit(in), bn_scale, bn_shift, fc.bias);
  return add_node(Op::kLinear, {x}, {out, o.weight_bits(), int32_t(act.mode), act.bits}, {w, s, bi},
                  out_info(act, out, 1, 1));
}

ValueId GraphBuilder::batch_norm(ValueId x, const torch::nn::BatchNorm2dImpl& bn, Activation act) {
  const ValueInfo in = model_.values[x];
  std::vector<double> scale, shift;
  bn_affine(bn, in.channels, scale, shift);
  std::vector<float> s(scale.size()), b(shift.size());
  for (size_t c = 0; c < s.size(); ++c) {
    s[c] = float(scale[c] * input_unit(in));
    b[c] = float(shift[c]);
  }
  const uint32_t st = add_float_tensor({in.channels}, s), bt = add_float_tensor({in.channels}, b);
  return add_node(Op::kChannelAffine, {x}, {int32_t(act.mode), act.bits}, {st, bt},
                  out_info(act, in.channels, in.height, in.width));
}

ValueId GraphBuilder::max_pool(ValueId x, int kernel, int stride, int pad) {
  ValueInfo v = model_.values[x];
  v.height = (v.height + 2 * pad - kernel) / stride + 1;
  v.width = (v.width + 2 * pad - kernel) / stride + 1;
  return add_node(Op::kMaxPool, {x}, {kernel, stride, pad}, {}, v);
}

ValueId GraphBuilder::global_avg_pool(ValueId x) {
  return add_node(Op::kGlobalAvgPool, {x}, {}, {}, {ValueKind::kFloat, 32, model_.values[x].channels, 1, 1});
}

ValueId GraphBuilder::add(ValueId a, ValueId b, Activation act) {
  const ValueInfo v = model_.values[a];
  return add_node(Op::kAdd, {a, b}, {int32_t(act.mode), act.bits}, {}, out_info(act, v.channels, v.height, v.width));
}

ValueId GraphBuilder::shortcut_a(ValueId x, int stride, int out_channels) {
  ValueInfo v = model_.values[x];
  const int extra = out_channels - v.channels;
  if (stride == 1 && extra == 0) return x;
  if (extra < 0) throw std::invalid_argument("option-A shortcut cannot drop channels");
  v.channels = out_channels;
  v.height = (v.height + stride - 1) / stride;
  v.width = (v.width + stride - 1) / stride;
  return add_node(Op::kShortcutA, {x}, {stride, extra / 2, extra - extra / 2}, {}, v);
}

ValueId GraphBuilder::flatten(ValueId x) {
  const ValueInfo in = model_.values[x];
  ValueInfo v = in;
  v.channels = int(in.elements());
  v.height = v.width = 1;
  const ValueId y = add_node(Op::kFlatten, {x}, {}, {}, v);
  flattened_from_[y] = in;
  return y;
}

runtime::ModelFile GraphBuilder::finish(ValueId logits) {
  model_.output = logits;
  runtime::validate_graph(model_);
  return model_;
}

}  // namespace exporter
}  // namespace wrpn
