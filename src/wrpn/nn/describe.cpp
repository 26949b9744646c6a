#include "wrpn/nn/graph_sink.h"

#include <fmt/format.h>

#include "wrpn/nn/qconv2d.h"
#include "wrpn/nn/qlinear.h"
#include "wrpn/nn/qrelu.h"

namespace wrpn {
namespace nn {
namespace {

template <typename T>
const T* as(const torch::nn::Module* m) {
  return m ? dynamic_cast<const T*>(m) : nullptr;
}

std::vector<NamedChild> children_of(const torch::nn::Module& m) {
  std::vector<NamedChild> out;
  for (const auto& item : m.named_children()) out.emplace_back(item.key(), item.value().get());
  return out;
}

// Runs `describe`, prefixing the first error that has no path yet with `path`.
template <typename F>
ValueRef at(const std::string& path, F&& describe) {
  try {
    return describe();
  } catch (const DescribeError&) {
    throw;
  } catch (const std::exception& e) {
    throw DescribeError(fmt::format("layer '{}': {}", path.empty() ? "(network)" : path, e.what()));
  }
}

}  // namespace

std::string child_path(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

ValueRef describe_module(GraphSink& sink, ValueRef x, const torch::nn::Module& m, const std::string& path) {
  if (const auto* d = dynamic_cast<const Describable*>(&m)) {
    return at(path, [&] { return d->describe(sink, x, path); });
  }
  if (dynamic_cast<const torch::nn::SequentialImpl*>(&m)) return describe_sequence(sink, x, children_of(m), path);
  return describe_sequence(sink, x, {{"", &m}}, path);
}

ValueRef describe_sequence(GraphSink& sink, ValueRef x, const std::vector<NamedChild>& children,
                           const std::string& path) {
  for (size_t i = 0; i < children.size(); ++i) {
    const std::string where = children[i].first.empty() ? path : child_path(path, children[i].first);
    const torch::nn::Module* m = children[i].second;
    const auto next = [&](size_t k) { return i + k < children.size() ? children[i + k].second : nullptr; };
    if (const auto* conv = as<QConv2dImpl>(m)) {
      const auto* bn = as<torch::nn::BatchNorm2dImpl>(next(1));
      const auto* act = as<QReLUImpl>(next(bn ? 2 : 1));
      x = at(where, [&] { return sink.conv(x, *conv, bn, act); });
      i += (bn != nullptr) + (act != nullptr);
    } else if (const auto* fc = as<QLinearImpl>(m)) {
      const auto* bn = as<torch::nn::BatchNorm1dImpl>(next(1));
      const auto* act = as<QReLUImpl>(next(bn ? 2 : 1));
      x = at(where, [&] { return sink.linear(x, *fc, bn, act); });
      i += (bn != nullptr) + (act != nullptr);
    } else if (const auto* bn = as<torch::nn::BatchNorm2dImpl>(m)) {
      const auto* act = as<QReLUImpl>(next(1));
      x = at(where, [&] { return sink.batch_norm(x, *bn, act); });
      i += act != nullptr;
    } else if (const auto* act = as<QReLUImpl>(m)) {
      x = at(where, [&] { return sink.activation(x, *act); });
    } else if (dynamic_cast<const Describable*>(m) || dynamic_cast<const torch::nn::SequentialImpl*>(m)) {
      x = describe_module(sink, x, *m, where);
    } else {
      throw DescribeError(
          fmt::format("layer '{}' is a {}, which is not a wrpn block: build networks from wrpn's layers and blocks "
                      "(nn/, models/blocks/) so that export, summaries and cost can describe them",
                      where.empty() ? "(network)" : where, m->name()));
    }
  }
  return x;
}

}  // namespace nn
}  // namespace wrpn
