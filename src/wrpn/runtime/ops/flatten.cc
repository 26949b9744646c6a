#include "wrpn/runtime/ops/flatten.h"

#include <cstring>
#include <string>

namespace wrpn::runtime::ops {

ValueInfo flatten_output(const ValueInfo& x) {
  ValueInfo v = x;
  v.channels = int(x.elements());
  v.height = v.width = 1;
  return v;
}

namespace {

class PreparedFlatten final : public PreparedOp {
 public:
  explicit PreparedFlatten(const NodeView& n) : in_(n.input(0)) {}
  void run(const OpRun& r) const override {
    std::memcpy(r.output, r.inputs[0], in_.bytes_per_sample() * size_t(r.batch));
  }

 private:
  ValueInfo in_;
};

ValueInfo check(const NodeView& n) {
  const ValueInfo& x = n.input(0);
  n.require(x.elements() <= (size_t(1) << 16),
            "flattening " + std::to_string(x.elements()) + " features exceeds 65536");
  return flatten_output(x);
}

std::unique_ptr<PreparedOp> prepare(const NodeView& n) { return std::make_unique<PreparedFlatten>(n); }

}  // namespace

const OpDefinition kFlattenDefinition{Op::kFlatten, "flatten", 1, 0, 0, /*weighted=*/false, check, prepare};

}  // namespace wrpn::runtime::ops
