#include "wrpn/runtime/ops/softmax.h"

#include <algorithm>
#include <cmath>

namespace wrpn::runtime::ops {

ValueInfo softmax_output(const ValueInfo& x) { return x; }

namespace {

class PreparedSoftmax final : public PreparedOp {
 public:
  explicit PreparedSoftmax(const NodeView& n) : channels_(n.input(0).channels) {}
  void run(const OpRun& r) const override {
    const int c = channels_;
    const auto* in = reinterpret_cast<const float*>(r.inputs[0]);
    auto* out = reinterpret_cast<float*>(r.output);
    for (int b = 0; b < r.batch; ++b) {
      const float* x = in + size_t(b) * c;
      const float top = *std::max_element(x, x + c);
      double total = 0;
      for (int i = 0; i < c; ++i) total += std::exp(double(x[i] - top));
      for (int i = 0; i < c; ++i) out[size_t(b) * c + i] = float(std::exp(double(x[i] - top)) / total);
    }
  }

 private:
  int channels_;
};

ValueInfo check(const NodeView& n) {
  const ValueInfo& x = n.input(0);
  n.require(x.kind == ValueKind::kFloat && x.height == 1 && x.width == 1,
            "input must be float (C, 1, 1), is " + describe(x));
  return softmax_output(x);
}

std::unique_ptr<PreparedOp> prepare(const NodeView& n) { return std::make_unique<PreparedSoftmax>(n); }

}  // namespace

const OpDefinition kSoftmaxDefinition{Op::kSoftmax, "softmax", 1, 0, 0, /*weighted=*/false, check, prepare};

}  // namespace wrpn::runtime::ops
