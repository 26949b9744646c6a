#include "wrpn/runtime/ops/max_pool.h"

#include <algorithm>
#include <limits>

namespace wrpn::runtime::ops {

namespace {

// NHWC codes or floats; out is (OH, OW, C) per image.
template <typename T>
void max_pool(const T* in, int batch, const ValueInfo& x, const MaxPoolAttrs& a, T* out) {
  const int h = x.height, w = x.width, c = x.channels, k = a.kernel, stride = a.stride, pad = a.pad;
  const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
  for (int b = 0; b < batch; ++b)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        T* o = out + ((size_t(b) * oh + oy) * ow + ox) * c;
        std::fill(o, o + c, std::numeric_limits<T>::lowest());
        for (int ky = 0; ky < k; ++ky) {
          const int iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= h) continue;
          for (int kx = 0; kx < k; ++kx) {
            const int ix = ox * stride - pad + kx;
            if (ix < 0 || ix >= w) continue;
            const T* p = in + ((size_t(b) * h + iy) * w + ix) * c;
            for (int ch = 0; ch < c; ++ch) o[ch] = std::max(o[ch], p[ch]);
          }
        }
      }
}

class PreparedMaxPool final : public PreparedOp {
 public:
  explicit PreparedMaxPool(const NodeView& n) : in_(n.input(0)), a_(MaxPoolAttrs::decode(n)) {}
  void run(const OpRun& r) const override {
    if (in_.kind == ValueKind::kCodes) {
      max_pool(r.inputs[0], r.batch, in_, a_, r.output);
    } else {
      max_pool(reinterpret_cast<const float*>(r.inputs[0]), r.batch, in_, a_, reinterpret_cast<float*>(r.output));
    }
  }

 private:
  ValueInfo in_;
  MaxPoolAttrs a_;
};

ValueInfo check(const NodeView& n) {
  const MaxPoolAttrs a = MaxPoolAttrs::decode(n);
  const ValueInfo& x = n.input(0);
  a.check_fits(n, x);
  return a.output(x);
}

std::unique_ptr<PreparedOp> prepare(const NodeView& n) { return std::make_unique<PreparedMaxPool>(n); }

}  // namespace

const OpDefinition kMaxPoolDefinition{Op::kMaxPool,       "max_pool", 1,      MaxPoolAttrs::kCount, 0,
                                      /*weighted=*/false, check,      prepare};

}  // namespace wrpn::runtime::ops
