#include "wrpn/export/graph_builder.h"

#include "wrpn/kernels/codes.h"
#include "wrpn/nn/layer_quantizer.h"
#include "wrpn/runtime/graph_check.h"
#include "wrpn/runtime/ops/add.h"
#include "wrpn/runtime/ops/channel_affine.h"
#include "wrpn/runtime/ops/conv2d.h"
#include "wrpn/runtime/ops/linear.h"
#include "wrpn/runtime/ops/avg_pool.h"
#include "wrpn/runtime/ops/max_pool.h"
#include "wrpn/runtime/ops/registry.h"
#include "wrpn/runtime/ops/shortcut_a.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace wrpn {
namespace exporter {

namespace ops = runtime::ops;
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
double input_unit(const ValueInfo& v) {
  return v.kind == ValueKind::kCodes ? double(v.range) / double(kernels::act_code_max(v.bits)) : 1.0;
}

// The output transform of an op that writes codes over [0, range] produces y / range: the
// runtime's requantization clips at 1.
double output_unit(const Activation& act) { return act.codes() ? 1.0 / act.range : 1.0; }

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
                               std::vector<uint32_t> tensors, double range) {
  runtime::Node n;
  n.op = op;
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  n.tensors = std::move(tensors);
  // The runtime's own shape rule and checks, so a bad node fails here, named, not at finish().
  ValueInfo out = ops::check_node(model_, n, model_.nodes.size());
  if (out.range == 0) out.range = float(range);  // codes of the node's own result
  n.output = add_value(out);
  model_.nodes.push_back(std::move(n));
  return model_.nodes.back().output;
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
// real value of one unit of the stored weight (gain / n, gain * alpha, gain * step, or 1 for
// floats).
uint32_t GraphBuilder::add_weight_tensor(const torch::Tensor& rows_in, int bits, quant::Scheme scheme,
                                         const torch::Tensor& lsq_step, double gain, bool per_channel_alpha,
                                         std::vector<double>& weight_scale) {
  const torch::Tensor rows = rows_in.detach().to(torch::kCPU, torch::kFloat).contiguous();
  const int64_t out = rows.size(0);
  std::vector<int> dims(rows.sizes().begin(), rows.sizes().end());
  if (bits == 32) {
    weight_scale.assign(size_t(out), 1.0);
    const torch::Tensor effective = (rows * gain).contiguous();  // what QConv2d/QLinear multiply by
    return add_float_tensor(
        dims, std::vector<float>(effective.data_ptr<float>(), effective.data_ptr<float>() + effective.numel()));
  }
  torch::Tensor codes;
  int stored_bits = bits;
  if (bits == 1) {  // WRPN's and DoReFa's binary weights alike: mean|w| sign(w)
    codes = torch::where(rows >= 0, torch::ones_like(rows), -torch::ones_like(rows));
    const bool per_channel = per_channel_alpha && scheme == quant::Scheme::Wrpn;
    const torch::Tensor alpha = per_channel ? rows.abs().view({out, -1}).mean(1) : rows.abs().mean().expand({out});
    weight_scale = to_doubles(alpha);
    for (double& s : weight_scale) s *= gain;
  } else if (scheme == quant::Scheme::Wrpn) {
    const double n = double(kernels::weight_code_max(bits));
    codes = torch::round(rows.clamp(-1, 1) * float(n));  // the quantizer's own float ops, half to even
    weight_scale.assign(size_t(out), gain / n);
  } else {
    // DoReFa's levels (2c - n) / n and LSQ's c x step, from the layer's own quantizer: their
    // codes span -n..n and -2^(k-1)..2^(k-1)-1, one bit more than the runtime's symmetric k-bit
    // codes hold, so they are stored at k + 1 bits.
    stored_bits = bits + 1;
    if (stored_bits > kernels::kMaxBits) {
      throw std::invalid_argument(fmt::format(
          "{}-bit {} weights need {}-bit codes in the runtime, which holds at most {}: export them at 2..7 bits",
          bits, quant::to_string(scheme), stored_bits, kernels::kMaxBits));
    }
    const double unit = scheme == quant::Scheme::Lsq ? lsq_step.item<double>()
                                                     : 1.0 / double(kernels::act_code_max(bits));
    const torch::Tensor q = nn::quantized_weight(rows, bits, /*per_channel=*/false, scheme, lsq_step);
    codes = torch::round(q / float(unit));  // integers to within an ulp: exact after rounding
    weight_scale.assign(size_t(out), gain * unit);
  }
  const torch::Tensor c8 = codes.to(torch::kChar).contiguous();
  TensorInfo t;
  t.type = TensorType::kSignedCodes;
  t.bits = stored_bits;
  t.dims = dims;
  t.data = runtime::pack_signed_codes(c8.data_ptr<int8_t>(), size_t(c8.numel()), stored_bits);
  model_.tensors.push_back(std::move(t));
  return uint32_t(model_.tensors.size() - 1);
}

// scale[m] = weight unit * input unit * BN scale; bias[m] = layer bias * BN scale + BN shift;
// both over the output's range when it is codes.
std::pair<uint32_t, uint32_t> GraphBuilder::add_output_transform(const std::vector<double>& weight_scale,
                                                                 double input_unit, const std::vector<double>& bn_scale,
                                                                 const std::vector<double>& bn_shift,
                                                                 const torch::Tensor& layer_bias,
                                                                 const Activation& act) {
  const int out = int(weight_scale.size());
  const std::vector<double> b =
      layer_bias.defined() ? to_doubles(layer_bias) : std::vector<double>(weight_scale.size(), 0.0);
  std::vector<float> scale, bias;
  const double unit = output_unit(act);
  for (int m = 0; m < out; ++m) {
    scale.push_back(float(weight_scale[m] * input_unit * bn_scale[m] * unit));
    bias.push_back(float((b[m] * bn_scale[m] + bn_shift[m]) * unit));
  }
  return {add_float_tensor({out}, scale), add_float_tensor({out}, bias)};
}

ValueId GraphBuilder::conv(ValueId x, const nn::QConv2dImpl& conv, const torch::nn::BatchNorm2dImpl* bn,
                           Activation act) {
  const auto& o = conv.options;
  const ValueInfo in = model_.values[x];
  if (o.groups() != 1)
    throw std::invalid_argument(fmt::format("export supports groups = 1 convolutions, got {}", o.groups()));
  if ((*o.stride())[0] != (*o.stride())[1] || (*o.padding())[0] != (*o.padding())[1]) {
    throw std::invalid_argument("export supports square strides and paddings");
  }
  if (o.in_channels() != in.channels) {
    throw std::invalid_argument(
        fmt::format("conv expects {} input channels, the graph has {}", o.in_channels(), in.channels));
  }
  ops::Conv2dAttrs a;
  a.out_c = int(o.out_channels());
  a.kernel_h = int((*o.kernel_size())[0]);
  a.kernel_w = int((*o.kernel_size())[1]);
  a.stride = int((*o.stride())[0]);
  a.pad = int((*o.padding())[0]);
  a.act = act.out;
  const int out_c = a.out_c;
  std::vector<double> weight_scale;
  const uint32_t w =
      add_weight_tensor(conv.weight.permute({0, 2, 3, 1}), o.weight_bits(), o.scheme(), conv.weight_step,
                        conv.weight_gain() * o.input_scale(), o.per_channel_alpha(), weight_scale);
  a.weight_bits = model_.tensors[w].bits;  // DoReFa's and LSQ's codes take one bit more
  std::vector<double> bn_scale(size_t(out_c), 1.0), bn_shift(size_t(out_c), 0.0);
  if (bn) bn_affine(*bn, out_c, bn_scale, bn_shift);
  const auto [s, bi] = add_output_transform(weight_scale, input_unit(in), bn_scale, bn_shift, conv.bias, act);
  return add_node(Op::kConv2d, {x}, a.encode(), {w, s, bi}, act.range);
}

ValueId GraphBuilder::linear(ValueId x, const nn::QLinearImpl& fc, const torch::nn::BatchNorm1dImpl* bn,
                             Activation act) {
  const auto& o = fc.options;
  const ValueInfo in = model_.values[x];
  if (size_t(o.in_features()) != in.elements()) {
    throw std::invalid_argument(
        fmt::format("linear expects {} features, the graph has {}", o.in_features(), in.elements()));
  }
  const int out = int(o.out_features());
  torch::Tensor rows = fc.weight;
  const ValueInfo& from = flattened_from_[x];
  if (from.height * from.width > 1) {
    // LibTorch flattened (C, H, W); the runtime's NHWC memory is (H, W, C): permute the columns.
    rows = rows.view({out, from.channels, from.height, from.width}).permute({0, 2, 3, 1}).reshape({out, -1});
  }
  std::vector<double> weight_scale;
  const uint32_t w = add_weight_tensor(rows, o.weight_bits(), o.scheme(), fc.weight_step,
                                       fc.weight_gain() * o.input_scale(), o.per_channel_alpha(), weight_scale);
  std::vector<double> bn_scale(size_t(out), 1.0), bn_shift(size_t(out), 0.0);
  if (bn) bn_affine(*bn, out, bn_scale, bn_shift);
  const auto [s, bi] = add_output_transform(weight_scale, input_unit(in), bn_scale, bn_shift, fc.bias, act);
  return add_node(Op::kLinear, {x}, ops::LinearAttrs{out, model_.tensors[w].bits, act.out}.encode(), {w, s, bi},
                  act.range);
}

ValueId GraphBuilder::batch_norm(ValueId x, const torch::nn::BatchNorm2dImpl& bn, Activation act) {
  const ValueInfo in = model_.values[x];
  std::vector<double> scale, shift;
  bn_affine(bn, in.channels, scale, shift);
  std::vector<float> s(scale.size()), b(shift.size());
  const double unit = output_unit(act);
  for (size_t c = 0; c < s.size(); ++c) {
    s[c] = float(scale[c] * input_unit(in) * unit);
    b[c] = float(shift[c] * unit);
  }
  const uint32_t st = add_float_tensor({in.channels}, s), bt = add_float_tensor({in.channels}, b);
  return add_node(Op::kChannelAffine, {x}, ops::ChannelAffineAttrs{act.out}.encode(), {st, bt}, act.range);
}

ValueId GraphBuilder::max_pool(ValueId x, int kernel, int stride, int pad) {
  return add_node(Op::kMaxPool, {x}, ops::MaxPoolAttrs{kernel, stride, pad}.encode(), {});
}

ValueId GraphBuilder::avg_pool(ValueId x, int kernel, int stride, int pad) {
  return add_node(Op::kAvgPool, {x}, ops::AvgPoolAttrs{kernel, stride, pad}.encode(), {});
}

ValueId GraphBuilder::concat(const std::vector<ValueId>& parts) { return add_node(Op::kConcat, parts, {}, {}); }

ValueId GraphBuilder::global_avg_pool(ValueId x) { return add_node(Op::kGlobalAvgPool, {x}, {}, {}); }

ValueId GraphBuilder::add(ValueId a, ValueId b, Activation act) {
  return add_node(Op::kAdd, {a, b}, ops::AddAttrs{act.out}.encode(), {}, act.range);
}

ValueId GraphBuilder::shortcut_a(ValueId x, int stride, int out_channels) {
  const int extra = out_channels - model_.values[x].channels;
  if (stride == 1 && extra == 0) return x;
  if (extra < 0) throw std::invalid_argument("option-A shortcut cannot drop channels");
  const ops::ShortcutAAttrs attrs{stride, /*pad_before=*/extra / 2, /*pad_after=*/extra - extra / 2};
  return add_node(Op::kShortcutA, {x}, attrs.encode(), {});
}

ValueId GraphBuilder::flatten(ValueId x) {
  const ValueId y = add_node(Op::kFlatten, {x}, {}, {});
  flattened_from_[y] = model_.values[x];
  return y;
}

runtime::ModelFile GraphBuilder::finish(ValueId logits) {
  model_.output = logits;
  // The oldest format that holds these ops, so a graph of 1.0's ops stays readable by 1.0
  // runtimes (and its bytes stay those of earlier exports).
  model_.version_minor = 0;
  for (const runtime::Node& n : model_.nodes) {
    model_.version_minor = std::max(model_.version_minor, ops::find_definition(n.op)->since_minor);
  }
  for (const ValueInfo& v : model_.values) {
    if (v.range != 1.0f) model_.version_minor = std::max<uint16_t>(model_.version_minor, 2);  // ranges are 1.2's
  }
  runtime::validate_graph(model_);
  return model_;
}

}  // namespace exporter
}  // namespace wrpn
