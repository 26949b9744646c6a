// A few-node graph written out by hand, for tests of one format rule or one op at a time.
// The input has scale 1 and shift 0, so run() and run_pixels() see the same numbers.
#pragma once

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime::testing {

struct Sketch {
  ModelFile m;

  Sketch(int c, int h, int w) {
    m.input = {c, h, w, std::vector<float>(size_t(c), 1.0f), std::vector<float>(size_t(c), 0.0f)};
    value(ValueKind::kFloat, 32, c, h, w);
  }
  uint32_t value(ValueKind kind, int bits, int c, int h, int w) {
    m.values.push_back({kind, bits, c, h, w});
    return uint32_t(m.values.size() - 1);
  }
  uint32_t floats(std::vector<int> dims, const std::vector<float>& v) {
    TensorInfo t;
    t.dims = std::move(dims);
    t.data.resize(v.size() * 4);
    std::memcpy(t.data.data(), v.data(), t.data.size());
    m.tensors.push_back(std::move(t));
    return uint32_t(m.tensors.size() - 1);
  }
  uint32_t codes(std::vector<int> dims, int bits, const std::vector<int8_t>& c) {
    TensorInfo t;
    t.type = TensorType::kSignedCodes;
    t.bits = bits;
    t.dims = std::move(dims);
    t.data = pack_signed_codes(c.data(), c.size(), bits);
    m.tensors.push_back(std::move(t));
    return uint32_t(m.tensors.size() - 1);
  }
  // Adds the node and makes its output the graph output.
  uint32_t node(Op op, std::vector<uint32_t> in, std::vector<int32_t> attrs, std::vector<uint32_t> tensors,
                uint32_t out) {
    m.nodes.push_back({op, std::move(in), out, std::move(attrs), std::move(tensors)});
    m.output = out;
    return out;
  }
};

// x (k, 1, 1) float -> linear with float weights w (1 x k), scale and bias -> float (1, 1, 1).
inline ModelFile one_linear(const std::vector<float>& w, float scale, float bias) {
  Sketch s(int(w.size()), 1, 1);
  const uint32_t wt = s.floats({1, int(w.size())}, w);
  s.node(Op::kLinear, {0}, {1, 32, int32_t(OutMode::kFloat), 32}, {wt, s.floats({1}, {scale}), s.floats({1}, {bias})},
         s.value(ValueKind::kFloat, 32, 1, 1, 1));
  return s.m;
}

}  // namespace wrpn::runtime::testing
