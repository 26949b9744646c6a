#include "wrpn/runtime/ops/add.h"

#include "wrpn/runtime/float_ops.h"

namespace wrpn::runtime::ops {

namespace {

class PreparedAdd final : public PreparedOp {
 public:
  explicit PreparedAdd(const NodeView& n)
      : a_(n.input(0)),
        b_(n.input(1)),
        count_(n.output().elements()),
        out_range_(n.output().range),
        attrs_(AddAttrs::decode(n)) {}
  void run(const OpRun& r) const override {
    const size_t count = count_ * size_t(r.batch);
    Scratch& s = r.scratch;
    if (attrs_.act.mode == OutMode::kCodes && a_.kind != b_.kind) {  // a residual block: one pass
      const bool a_float = a_.kind == ValueKind::kFloat;
      add_float_codes_to_codes(reinterpret_cast<const float*>(r.inputs[a_float ? 0 : 1]), r.inputs[a_float ? 1 : 0],
                               a_float ? b_ : a_, out_range_, attrs_.act.bits, count, r.output);
      return;
    }
    const float* a = real_values(r.inputs[0], a_, count, s.input);
    const float* b = real_values(r.inputs[1], b_, count, s.operand);
    float* sum = s.floats(s.result, count);
    for (size_t i = 0; i < count; ++i) sum[i] = a[i] + b[i];
    if (out_range_ != 1.0f) {  // codes of sum / range: the clip of the quantizer after the add
      for (size_t i = 0; i < count; ++i) sum[i] /= out_range_;
    }
    attrs_.act.write(sum, count, r.output);
  }

 private:
  ValueInfo a_, b_;
  size_t count_;  // elements per image
  float out_range_;
  AddAttrs attrs_;
};

ValueInfo check(const NodeView& n) {
  const AddAttrs attrs = AddAttrs::decode(n);
  const ValueInfo &a = n.input(0), &b = n.input(1);
  n.require(a.channels == b.channels && a.height == b.height && a.width == b.width,
            "operand shapes differ: " + describe(a) + " and " + describe(b));
  return attrs.output(a);
}

std::unique_ptr<PreparedOp> prepare(const NodeView& n) { return std::make_unique<PreparedAdd>(n); }

}  // namespace

const OpDefinition kAddDefinition{Op::kAdd, "add", 2, AddAttrs::kCount, 0, /*weighted=*/false, check, prepare};

}  // namespace wrpn::runtime::ops
