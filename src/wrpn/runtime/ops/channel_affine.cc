#include "wrpn/runtime/ops/channel_affine.h"

#include "wrpn/runtime/float_ops.h"

namespace wrpn::runtime::ops {

namespace {

class PreparedChannelAffine final : public PreparedOp {
 public:
  explicit PreparedChannelAffine(const NodeView& n)
      : in_(n.input(0)), scale_(n.floats(0)), bias_(n.floats(1)), attrs_(ChannelAffineAttrs::decode(n)) {}
  void run(const OpRun& r) const override {
    const size_t count = in_.elements() * size_t(r.batch), c = size_t(in_.channels);
    Scratch& s = r.scratch;
    const float* x = real_values(r.inputs[0], in_, count, s.input);
    float* y = s.floats(s.result, count);
    for (size_t row = 0; row < count / c; ++row)
      for (size_t ch = 0; ch < c; ++ch) y[row * c + ch] = x[row * c + ch] * scale_[ch] + bias_[ch];
    attrs_.act.write(y, count, r.output);
  }
  size_t weight_bytes() const override { return (scale_.size() + bias_.size()) * sizeof(float); }

 private:
  ValueInfo in_;
  std::vector<float> scale_, bias_;
  ChannelAffineAttrs attrs_;
};

ValueInfo check(const NodeView& n) {
  const ChannelAffineAttrs attrs = ChannelAffineAttrs::decode(n);
  const ValueInfo& x = n.input(0);
  n.tensor(0, "scale", TensorType::kFloat32, 32, {x.channels});
  n.tensor(1, "bias", TensorType::kFloat32, 32, {x.channels});
  return attrs.output(x);
}

std::unique_ptr<PreparedOp> prepare(const NodeView& n) { return std::make_unique<PreparedChannelAffine>(n); }

}  // namespace

const OpDefinition kChannelAffineDefinition{
    Op::kChannelAffine, "channel_affine", 1, ChannelAffineAttrs::kCount, 2, /*weighted=*/false, check, prepare};

}  // namespace wrpn::runtime::ops
