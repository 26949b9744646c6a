#include "wrpn/runtime/ops/avg_pool.h"

#include "wrpn/runtime/float_ops.h"

namespace wrpn::runtime::ops {

namespace {

class PreparedAvgPool final : public PreparedOp {
 public:
  explicit PreparedAvgPool(const NodeView& n) : in_(n.input(0)), out_(n.output()), a_(AvgPoolAttrs::decode(n)) {}

  // Per output element: the taps in row-major window order summed in binary64, divided by
  // kernel^2 in binary64, rounded once to binary32 (as global_avg_pool).
  void run(const OpRun& r) const override {
    const int h = in_.height, w = in_.width, c = in_.channels, k = a_.kernel;
    const int oh = out_.height, ow = out_.width;
    const size_t count = in_.elements() * size_t(r.batch);
    const float* x = real_values(r.inputs[0], in_, count, r.scratch.input);
    auto* out = reinterpret_cast<float*>(r.output);
    std::vector<double>& sum = sums_();
    sum.assign(size_t(c), 0.0);
    const double taps = double(k) * double(k);
    for (int b = 0; b < r.batch; ++b)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          std::fill(sum.begin(), sum.end(), 0.0);
          for (int ky = 0; ky < k; ++ky) {
            const int iy = oy * a_.stride - a_.pad + ky;
            if (iy < 0 || iy >= h) continue;
            for (int kx = 0; kx < k; ++kx) {
              const int ix = ox * a_.stride - a_.pad + kx;
              if (ix < 0 || ix >= w) continue;
              const float* p = x + ((size_t(b) * h + iy) * w + ix) * c;
              for (int ch = 0; ch < c; ++ch) sum[size_t(ch)] += double(p[ch]);
            }
          }
          float* o = out + ((size_t(b) * oh + oy) * ow + ox) * c;
          for (int ch = 0; ch < c; ++ch) o[ch] = float(sum[size_t(ch)] / taps);
        }
  }

 private:
  // Per calling thread: chunks of one batch run this node on several threads at once.
  static std::vector<double>& sums_() {
    thread_local std::vector<double> sums;
    return sums;
  }
  ValueInfo in_, out_;
  AvgPoolAttrs a_;
};

ValueInfo check(const NodeView& n) {
  const AvgPoolAttrs a = AvgPoolAttrs::decode(n);
  const ValueInfo& x = n.input(0);
  a.check_fits(n, x);
  return a.output(x);
}

std::unique_ptr<PreparedOp> prepare(const NodeView& n) { return std::make_unique<PreparedAvgPool>(n); }

}  // namespace

const OpDefinition kAvgPoolDefinition{Op::kAvgPool,       "avg_pool", 1,       AvgPoolAttrs::kCount, 0,
                                      /*weighted=*/false, check,      prepare, /*max_inputs=*/1,     /*since_minor=*/1};

}  // namespace wrpn::runtime::ops
