#include "wrpn/runtime/ops/global_avg_pool.h"

#include "wrpn/kernels/codes.h"
#include "wrpn/runtime/float_ops.h"

namespace wrpn::runtime::ops {

ValueInfo global_avg_pool_output(const ValueInfo& x) { return {ValueKind::kFloat, 32, x.channels, 1, 1}; }

namespace {

class PreparedGlobalAvgPool final : public PreparedOp {
 public:
  explicit PreparedGlobalAvgPool(const NodeView& n) : in_(n.input(0)) {}
  void run(const OpRun& r) const override {
    const int c = in_.channels;
    const size_t hw = size_t(in_.height) * in_.width;
    const bool codes = in_.kind == ValueKind::kCodes;
    const float levels = codes ? float(kernels::act_code_max(in_.bits)) : 1.0f;
    const uint8_t* x = r.inputs[0];
    auto* out = reinterpret_cast<float*>(r.output);
    for (int b = 0; b < r.batch; ++b)
      for (int ch = 0; ch < c; ++ch) {
        double sum = 0;
        for (size_t p = 0; p < hw; ++p) {
          const size_t i = (size_t(b) * hw + p) * c + ch;
          sum += codes ? double(code_value(x[i], levels) * in_.range) : double(reinterpret_cast<const float*>(x)[i]);
        }
        out[size_t(b) * c + ch] = float(sum / double(hw));
      }
  }

 private:
  ValueInfo in_;
};

ValueInfo check(const NodeView& n) { return global_avg_pool_output(n.input(0)); }

std::unique_ptr<PreparedOp> prepare(const NodeView& n) { return std::make_unique<PreparedGlobalAvgPool>(n); }

}  // namespace

const OpDefinition kGlobalAvgPoolDefinition{
    Op::kGlobalAvgPool, "global_avg_pool", 1, 0, 0, /*weighted=*/false, check, prepare};

}  // namespace wrpn::runtime::ops
