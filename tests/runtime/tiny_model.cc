#include "tiny_model.h"

#include <zlib.h>

#include <cmath>
#include <cstring>
#include <random>

namespace wrpn::runtime::testing {
namespace {

struct Builder {
  ModelFile m;
  std::mt19937 rng;

  uint32_t value(ValueKind kind, int bits, int c, int h, int w) {
    m.values.push_back({kind, bits, c, h, w});
    return uint32_t(m.values.size() - 1);
  }
  uint32_t floats(std::vector<int> dims, float lo, float hi) {
    TensorInfo t;
    t.dims = dims;
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(t.elements());
    for (float& x : v) x = u(rng);
    t.data.resize(v.size() * 4);
    std::memcpy(t.data.data(), v.data(), t.data.size());
    m.tensors.push_back(t);
    return uint32_t(m.tensors.size() - 1);
  }
  uint32_t codes(std::vector<int> dims, int bits) {
    TensorInfo t;
    t.type = TensorType::kSignedCodes;
    t.bits = bits;
    t.dims = dims;
    const int n = bits == 1 ? 1 : (1 << (bits - 1)) - 1;
    std::uniform_int_distribution<int> u(-n, n);
    std::vector<int8_t> c(t.elements());
    for (int8_t& x : c) x = int8_t(bits == 1 ? (u(rng) >= 0 ? 1 : -1) : u(rng));
    t.data = pack_signed_codes(c.data(), c.size(), bits);
    m.tensors.push_back(t);
    return uint32_t(m.tensors.size() - 1);
  }
  uint32_t node(Op op, std::vector<uint32_t> in, std::vector<int32_t> attrs, std::vector<uint32_t> tensors,
                uint32_t out) {
    m.nodes.push_back({op, in, out, attrs, tensors});
    return out;
  }
};

}  // namespace

ModelFile tiny_model(uint32_t seed) {
  Builder b;
  b.rng.seed(seed);
  b.m.info = "{\"model\": \"tiny\"}";
  b.m.version_minor = 1;  // 1.1's layout, which the layout tests edit; ranges: format_semantics_test
  b.m.input = {2, 6, 6, {1.0f / 255.0f, 2.0f / 255.0f}, {-0.5f, -1.0f}};
  const auto F = ValueKind::kFloat, C = ValueKind::kCodes;
  const int32_t kF = int32_t(OutMode::kFloat), kR = int32_t(OutMode::kRelu), kC = int32_t(OutMode::kCodes);
  uint32_t x = b.value(F, 32, 2, 6, 6);
  uint32_t a = b.node(Op::kConv2d, {x}, {4, 3, 3, 1, 1, 32, kC, 2},
                      {b.floats({4, 3, 3, 2}, -0.5f, 0.5f), b.floats({4}, 0.5f, 1.0f), b.floats({4}, 0.2f, 0.6f)},
                      b.value(C, 2, 4, 6, 6));
  uint32_t r = b.node(Op::kConv2d, {a}, {4, 3, 3, 1, 1, 2, kF, 32},
                      {b.codes({4, 3, 3, 4}, 2), b.floats({4}, 0.02f, 0.06f), b.floats({4}, -0.2f, 0.2f)},
                      b.value(F, 32, 4, 6, 6));
  uint32_t s = b.node(Op::kAdd, {r, a}, {kC, 2}, {}, b.value(C, 2, 4, 6, 6));
  uint32_t p = b.node(Op::kMaxPool, {s}, {2, 2, 0}, {}, b.value(C, 2, 4, 3, 3));
  uint32_t sc = b.node(Op::kShortcutA, {p}, {2, 1, 1}, {}, b.value(C, 2, 6, 2, 2));
  uint32_t c1 =
      b.node(Op::kConv2d, {sc}, {5, 1, 1, 1, 0, 4, kC, 4},
             {b.codes({5, 1, 1, 6}, 4), b.floats({5}, 0.02f, 0.1f), b.floats({5}, 0.1f, 0.5f)}, b.value(C, 4, 5, 2, 2));
  uint32_t fl = b.node(Op::kFlatten, {c1}, {}, {}, b.value(C, 4, 20, 1, 1));
  uint32_t h =
      b.node(Op::kLinear, {fl}, {6, 3, kR, 32},
             {b.codes({6, 20}, 3), b.floats({6}, 0.01f, 0.05f), b.floats({6}, -0.1f, 0.1f)}, b.value(F, 32, 6, 1, 1));
  uint32_t g = b.node(Op::kGlobalAvgPool, {s}, {}, {}, b.value(F, 32, 4, 1, 1));
  uint32_t ga = b.node(Op::kChannelAffine, {g}, {kF, 32}, {b.floats({4}, 0.5f, 1.5f), b.floats({4}, -0.1f, 0.1f)},
                       b.value(F, 32, 4, 1, 1));
  uint32_t gp = b.node(Op::kMaxPool, {ga}, {1, 1, 0}, {}, b.value(F, 32, 4, 1, 1));
  uint32_t g6 =
      b.node(Op::kLinear, {gp}, {6, 1, kF, 32},
             {b.codes({6, 4}, 1), b.floats({6}, 0.1f, 0.3f), b.floats({6}, -0.1f, 0.1f)}, b.value(F, 32, 6, 1, 1));
  uint32_t both = b.node(Op::kAdd, {h, g6}, {kF, 32}, {}, b.value(F, 32, 6, 1, 1));
  // Format 1.1: a concat of codes, an avg_pool of them, a concat of floats.
  uint32_t cc = b.node(Op::kConcat, {a, s}, {}, {}, b.value(C, 2, 8, 6, 6));
  uint32_t ap = b.node(Op::kAvgPool, {cc}, {3, 2, 1}, {}, b.value(F, 32, 8, 3, 3));
  uint32_t cf = b.node(Op::kConcat, {ap, ap}, {}, {}, b.value(F, 32, 16, 3, 3));
  uint32_t gc = b.node(Op::kGlobalAvgPool, {cf}, {}, {}, b.value(F, 32, 16, 1, 1));
  uint32_t lc =
      b.node(Op::kLinear, {gc}, {6, 2, kF, 32},
             {b.codes({6, 16}, 2), b.floats({6}, 0.1f, 0.3f), b.floats({6}, -0.1f, 0.1f)}, b.value(F, 32, 6, 1, 1));
  uint32_t all = b.node(Op::kAdd, {both, lc}, {kF, 32}, {}, b.value(F, 32, 6, 1, 1));
  uint32_t logits = b.node(Op::kLinear, {all}, {3, 32, kF, 32},
                           {b.floats({3, 6}, -1.0f, 1.0f), b.floats({3}, 1.0f, 1.0f), b.floats({3}, -0.1f, 0.1f)},
                           b.value(F, 32, 3, 1, 1));
  b.node(Op::kSoftmax, {logits}, {}, {}, b.value(F, 32, 3, 1, 1));
  b.m.output = logits;
  return b.m;
}

namespace {

std::vector<float> floats_of(const TensorInfo& t) {
  std::vector<float> v(t.elements());
  if (t.type == TensorType::kFloat32) {
    std::memcpy(v.data(), t.data.data(), v.size() * 4);
  } else {
    std::vector<int8_t> c(v.size());
    unpack_signed_codes(t.data.data(), c.size(), t.bits, c.data());
    for (size_t i = 0; i < c.size(); ++i) v[i] = float(c[i]);
  }
  return v;
}

// One activation tensor, NCHW, as real values; codes keep their integer form in `code`.
struct T {
  int c = 0, h = 0, w = 0, bits = 32;
  std::vector<double> v;  // real values
  std::vector<int> code;  // codes (bits <= 8)
  double at(int ch, int y, int x) const { return v[(size_t(ch) * h + y) * w + x]; }
};

T finish(int c, int h, int w, const std::vector<double>& y, OutMode mode, int bits) {
  T o{c, h, w, 32, {}, {}};
  o.v.resize(y.size());
  if (mode == OutMode::kCodes) {
    o.bits = bits;
    const float levels = float((1 << bits) - 1);
    o.code.resize(y.size());
    for (size_t i = 0; i < y.size(); ++i) {
      const float clipped = std::fmin(std::fmax(float(y[i]), 0.0f), 1.0f);
      o.code[i] = int(std::nearbyint(clipped * levels));
      o.v[i] = double(float(o.code[i]) / levels);
    }
  } else {
    for (size_t i = 0; i < y.size(); ++i) o.v[i] = mode == OutMode::kRelu ? std::fmax(float(y[i]), 0.0f) : float(y[i]);
  }
  return o;
}

// The stored input value the op multiplies (integer codes, or floats).
double stored(const T& t, size_t i) { return t.bits == 32 ? t.v[i] : double(t.code[i]); }

}  // namespace

std::vector<float> tiny_model_reference(const ModelFile& m, const std::vector<float>& input, int batch) {
  std::vector<float> logits;
  const int classes = m.values[m.output].channels;
  for (int b = 0; b < batch; ++b) {
    std::vector<T> vals(m.values.size());
    const ValueInfo& v0 = m.values[0];
    T in{v0.channels, v0.height, v0.width, 32, {}, {}};
    for (size_t i = 0; i < v0.elements(); ++i) in.v.push_back(input[b * v0.elements() + i]);
    vals[0] = in;
    for (const Node& n : m.nodes) {
      const T& x = vals[n.inputs[0]];
      const ValueInfo& out = m.values[n.output];
      std::vector<double> y(out.elements());
      const auto& A = n.attrs;
      switch (n.op) {
        case Op::kConv2d: {
          const auto w = floats_of(m.tensors[n.tensors[0]]), sc = floats_of(m.tensors[n.tensors[1]]),
                     bi = floats_of(m.tensors[n.tensors[2]]);
          const int kh = A[1], kw = A[2], st = A[3], pad = A[4];
          for (int o = 0; o < out.channels; ++o)
            for (int oy = 0; oy < out.height; ++oy)
              for (int ox = 0; ox < out.width; ++ox) {
                double acc = 0;
                for (int ky = 0; ky < kh; ++ky)
                  for (int kx = 0; kx < kw; ++kx)
                    for (int c = 0; c < x.c; ++c) {
                      const int iy = oy * st - pad + ky, ix = ox * st - pad + kx;
                      if (iy < 0 || ix < 0 || iy >= x.h || ix >= x.w) continue;
                      acc +=
                          stored(x, (size_t(c) * x.h + iy) * x.w + ix) * w[((size_t(o) * kh + ky) * kw + kx) * x.c + c];
                    }
                y[(size_t(o) * out.height + oy) * out.width + ox] = float(float(acc) * sc[o] + bi[o]);
              }
          vals[n.output] = finish(out.channels, out.height, out.width, y, OutMode(A[6]), A[7]);
          break;
        }
        case Op::kLinear: {
          const auto w = floats_of(m.tensors[n.tensors[0]]), sc = floats_of(m.tensors[n.tensors[1]]),
                     bi = floats_of(m.tensors[n.tensors[2]]);
          const size_t k = x.v.size();
          for (int o = 0; o < out.channels; ++o) {
            double acc = 0;
            for (size_t i = 0; i < k; ++i) acc += stored(x, i) * w[o * k + i];
            y[o] = float(float(acc) * sc[o] + bi[o]);
          }
          vals[n.output] = finish(out.channels, 1, 1, y, OutMode(A[2]), A[3]);
          break;
        }
        case Op::kMaxPool: {
          T o{out.channels, out.height, out.width, x.bits, {}, {}};
          for (int c = 0; c < out.channels; ++c)
            for (int oy = 0; oy < out.height; ++oy)
              for (int ox = 0; ox < out.width; ++ox) {
                double best = -1e300;
                int best_code = 0;
                for (int ky = 0; ky < A[0]; ++ky)
                  for (int kx = 0; kx < A[0]; ++kx) {
                    const int iy = oy * A[1] - A[2] + ky, ix = ox * A[1] - A[2] + kx;
                    if (iy < 0 || ix < 0 || iy >= x.h || ix >= x.w) continue;
                    const size_t i = (size_t(c) * x.h + iy) * x.w + ix;
                    if (x.v[i] > best) {
                      best = x.v[i];
                      if (x.bits != 32) best_code = x.code[i];
                    }
                  }
                o.v.push_back(best);
                if (x.bits != 32) o.code.push_back(best_code);
              }
          vals[n.output] = o;
          break;
        }
        case Op::kGlobalAvgPool:
          for (int c = 0; c < x.c; ++c) {
            double s = 0;
            for (int i = 0; i < x.h * x.w; ++i) s += x.v[size_t(c) * x.h * x.w + i];
            y[c] = float(s / (x.h * x.w));
          }
          vals[n.output] = finish(x.c, 1, 1, y, OutMode::kFloat, 32);
          break;
        case Op::kAdd:
          for (size_t i = 0; i < y.size(); ++i) y[i] = float(float(x.v[i]) + float(vals[n.inputs[1]].v[i]));
          vals[n.output] = finish(out.channels, out.height, out.width, y, OutMode(A[0]), A[1]);
          break;
        case Op::kChannelAffine: {
          const auto sc = floats_of(m.tensors[n.tensors[0]]), bi = floats_of(m.tensors[n.tensors[1]]);
          for (size_t i = 0; i < y.size(); ++i) {
            const int c = int(i / (size_t(x.h) * x.w));
            y[i] = float(float(x.v[i]) * sc[c] + bi[c]);
          }
          vals[n.output] = finish(out.channels, out.height, out.width, y, OutMode(A[0]), A[1]);
          break;
        }
        case Op::kShortcutA: {
          T o{out.channels, out.height, out.width, x.bits, std::vector<double>(out.elements(), 0.0), {}};
          if (x.bits != 32) o.code.assign(out.elements(), 0);
          for (int c = 0; c < x.c; ++c)
            for (int oy = 0; oy < out.height; ++oy)
              for (int ox = 0; ox < out.width; ++ox) {
                const size_t src = (size_t(c) * x.h + oy * A[0]) * x.w + ox * A[0];
                const size_t dst = (size_t(c + A[1]) * out.height + oy) * out.width + ox;
                o.v[dst] = x.v[src];
                if (x.bits != 32) o.code[dst] = x.code[src];
              }
          vals[n.output] = o;
          break;
        }
        case Op::kFlatten: {  // NCHW -> the runtime's (H, W, C) order
          T o{out.channels, 1, 1, x.bits, {}, {}};
          for (int yy = 0; yy < x.h; ++yy)
            for (int xx = 0; xx < x.w; ++xx)
              for (int c = 0; c < x.c; ++c) {
                const size_t i = (size_t(c) * x.h + yy) * x.w + xx;
                o.v.push_back(x.v[i]);
                if (x.bits != 32) o.code.push_back(x.code[i]);
              }
          vals[n.output] = o;
          break;
        }
        case Op::kSoftmax:
          vals[n.output] = x;
          break;
        case Op::kAvgPool:  // padding counts as zeros: always / kernel^2
          for (int c = 0; c < out.channels; ++c)
            for (int oy = 0; oy < out.height; ++oy)
              for (int ox = 0; ox < out.width; ++ox) {
                double sum = 0;
                for (int ky = 0; ky < A[0]; ++ky)
                  for (int kx = 0; kx < A[0]; ++kx) {
                    const int iy = oy * A[1] - A[2] + ky, ix = ox * A[1] - A[2] + kx;
                    if (iy < 0 || ix < 0 || iy >= x.h || ix >= x.w) continue;
                    sum += x.v[(size_t(c) * x.h + iy) * x.w + ix];
                  }
                y[(size_t(c) * out.height + oy) * out.width + ox] = float(sum / double(A[0] * A[0]));
              }
          vals[n.output] = finish(out.channels, out.height, out.width, y, OutMode::kFloat, 32);
          break;
        case Op::kConcat: {  // NCHW: the inputs' channels one after another
          T o{out.channels, out.height, out.width, x.bits, {}, {}};
          for (uint32_t in : n.inputs) {
            o.v.insert(o.v.end(), vals[in].v.begin(), vals[in].v.end());
            o.code.insert(o.code.end(), vals[in].code.begin(), vals[in].code.end());
          }
          vals[n.output] = o;
          break;
        }
      }
    }
    for (int c = 0; c < classes; ++c) logits.push_back(float(vals[m.output].v[c]));
  }
  return logits;
}

void refresh_checksum(std::vector<uint8_t>& file) {
  const uint32_t crc = uint32_t(crc32_z(0L, file.data() + kHeaderBytes, file.size() - kHeaderBytes));
  for (int i = 0; i < 4; ++i) file[24 + i] = uint8_t(crc >> (8 * i));
}

}  // namespace wrpn::runtime::testing
