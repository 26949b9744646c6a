#include "wrpn/export/export_model.h"

#include <fmt/format.h>

#include "wrpn/export/graph_builder.h"
#include "wrpn/nn/qrelu.h"
#include "wrpn/quant/bits.h"

namespace wrpn {
namespace exporter {
namespace {

// The runtime's view of an activation quantizer: its bits and the clip its codes span.
Activation act_of(const nn::QReLUImpl* act) {
  if (!act) return Activation();
  const int bits = act->options.bits();
  const runtime::ops::Activation out = runtime::ops::Activation::quantizer(bits);
  // The range as the file holds it (float), so this layer's output unit and the next one's input
  // unit agree.
  return quant::is_full_precision(bits) ? Activation(out) : Activation(out, double(float(act->clip_value())));
}

// The .wrpn graph as a sink of the network's own description: one GraphBuilder call per
// described op, in the order the network describes them.
class ExportSink : public nn::GraphSink {
 public:
  explicit ExportSink(GraphBuilder& g) : g_(g) {}
  nn::ValueRef input() override { return g_.input(); }
  nn::ValueRef conv(nn::ValueRef x, const nn::QConv2dImpl& conv, const torch::nn::BatchNorm2dImpl* bn,
                    const nn::QReLUImpl* act) override {
    return g_.conv(x, conv, bn, act_of(act));
  }
  nn::ValueRef linear(nn::ValueRef x, const nn::QLinearImpl& fc, const torch::nn::BatchNorm1dImpl* bn,
                      const nn::QReLUImpl* act) override {
    return g_.linear(x, fc, bn, act_of(act));
  }
  nn::ValueRef batch_norm(nn::ValueRef x, const torch::nn::BatchNorm2dImpl& bn, const nn::QReLUImpl* act) override {
    return g_.batch_norm(x, bn, act_of(act));
  }
  nn::ValueRef activation(nn::ValueRef, const nn::QReLUImpl&) override {
    throw std::invalid_argument(
        "an activation quantizer with no conv, linear or batch norm before it has no runtime op "
        "(put it after one of them)");
  }
  nn::ValueRef max_pool(nn::ValueRef x, int kernel, int stride, int pad) override {
    return g_.max_pool(x, kernel, stride, pad);
  }
  nn::ValueRef avg_pool(nn::ValueRef x, int kernel, int stride, int pad) override {
    return g_.avg_pool(x, kernel, stride, pad);
  }
  nn::ValueRef global_avg_pool(nn::ValueRef x) override { return g_.global_avg_pool(x); }
  nn::ValueRef adaptive_avg_pool(nn::ValueRef x, int size) override {
    const runtime::ValueInfo& v = g_.value(x);
    // Pooling a map to its own size is the identity.
    if (v.height == size && v.width == size) return x;
    throw std::invalid_argument(
        fmt::format("an adaptive average pool from {}x{} to {}x{} has no runtime op (at this input size)", v.height,
                    v.width, size, size));
  }
  nn::ValueRef flatten(nn::ValueRef x) override { return g_.flatten(x); }
  nn::ValueRef add(nn::ValueRef a, nn::ValueRef b, const nn::QReLUImpl* act) override {
    return g_.add(a, b, act_of(act));
  }
  nn::ValueRef shortcut_a(nn::ValueRef x, int stride, int out_channels) override {
    return g_.shortcut_a(x, stride, out_channels);
  }
  nn::ValueRef concat(const std::vector<nn::ValueRef>& parts) override { return g_.concat(parts); }

 private:
  GraphBuilder& g_;
};

}  // namespace

namespace {

runtime::InputSpec input_spec(const std::vector<float>& mean, const std::vector<float>& std, int channels, int height,
                              int width) {
  runtime::InputSpec in;
  in.channels = channels;
  in.height = height;
  in.width = width;
  for (int c = 0; c < channels; ++c) {
    // Exactly the float arithmetic of data/sample_source.cpp.
    in.scale.push_back(1.0f / (255.0f * std[size_t(c)]));
    in.shift.push_back(-mean[size_t(c)] / std[size_t(c)]);
  }
  return in;
}

}  // namespace

runtime::InputSpec input_spec_for(const data::Dataset& dataset, int64_t image_size) {
  const data::ImageShape s = dataset.shape();
  return input_spec(dataset.channel_mean(), dataset.channel_std(), int(s.channels),
                    int(image_size > 0 ? image_size : s.height), int(image_size > 0 ? image_size : s.width));
}

runtime::InputSpec input_spec_of(const nlohmann::json& normalisation, const models::ModelSpec& spec) {
  std::vector<float> mean, std;
  try {
    mean = normalisation.at("mean").get<std::vector<float>>();
    std = normalisation.at("std").get<std::vector<float>>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(
        fmt::format("input normalisation {} needs \"mean\" and \"std\" lists", normalisation.dump()));
  }
  if (int64_t(mean.size()) != spec.in_channels || int64_t(std.size()) != spec.in_channels) {
    throw std::invalid_argument(fmt::format("input normalisation {} does not have the model's {} channels",
                                            normalisation.dump(), spec.in_channels));
  }
  return input_spec(mean, std, int(spec.in_channels), int(spec.input_size), int(spec.input_size));
}

torch::Tensor normalised_images(const std::vector<uint8_t>& pixels, const runtime::InputSpec& input, int64_t count) {
  torch::Tensor x = torch::empty({count, input.channels, input.height, input.width});
  float* out = x.data_ptr<float>();
  const int64_t hw = int64_t(input.height) * input.width, per = hw * input.channels;
  for (int64_t i = 0; i < count * per; ++i) {
    const int64_t c = (i % per) / hw;
    out[i] = float(pixels[size_t(i)]) * input.scale[size_t(c)] + input.shift[size_t(c)];
  }
  return x;
}

runtime::ModelFile export_model(models::Network& model, const runtime::InputSpec& input, const std::string& info_json) {
  model.eval();
  torch::NoGradGuard no_grad;
  GraphBuilder g(input, info_json);
  ExportSink sink(g);
  const ValueId logits = models::describe_network(sink, model);
  return g.finish(logits);
}

}  // namespace exporter
}  // namespace wrpn
