#include "wrpn/runtime/ops/shortcut_a.h"

#include <cstring>
#include <string>

namespace wrpn::runtime::ops {

std::vector<int32_t> ShortcutAAttrs::encode() const { return {stride, pad_before, pad_after}; }

ShortcutAAttrs ShortcutAAttrs::decode(const NodeView& n) {
  ShortcutAAttrs a;
  a.stride = n.attr(0, "stride", 1, 64);
  a.pad_before = n.attr(1, "pad_before", 0, 1 << 16);
  a.pad_after = n.attr(2, "pad_after", 0, 1 << 16);
  return a;
}

ValueInfo ShortcutAAttrs::output(const ValueInfo& x) const {
  ValueInfo v = x;
  v.channels = x.channels + pad_before + pad_after;
  v.height = (x.height + stride - 1) / stride;
  v.width = (x.width + stride - 1) / stride;
  return v;
}

namespace {

class PreparedShortcutA final : public PreparedOp {
 public:
  explicit PreparedShortcutA(const NodeView& n) : in_(n.input(0)), out_(n.output()), a_(ShortcutAAttrs::decode(n)) {}
  void run(const OpRun& r) const override {
    const size_t elem = in_.kind == ValueKind::kCodes ? 1 : 4;
    std::memset(r.output, 0, out_.elements() * size_t(r.batch) * elem);  // zero code and 0.0f are all-zero bytes
    const int ic = in_.channels, oc = out_.channels, stride = a_.stride;
    for (int b = 0; b < r.batch; ++b)
      for (int oy = 0; oy < out_.height; ++oy)
        for (int ox = 0; ox < out_.width; ++ox) {
          const size_t src = ((size_t(b) * in_.height + size_t(oy) * stride) * in_.width + size_t(ox) * stride) * ic;
          const size_t dst = ((size_t(b) * out_.height + oy) * out_.width + ox) * oc + a_.pad_before;
          std::memcpy(r.output + dst * elem, r.inputs[0] + src * elem, size_t(ic) * elem);
        }
  }

 private:
  ValueInfo in_, out_;
  ShortcutAAttrs a_;
};

ValueInfo check(const NodeView& n) {
  const ShortcutAAttrs a = ShortcutAAttrs::decode(n);
  const ValueInfo& x = n.input(0);
  const int64_t channels = int64_t(x.channels) + a.pad_before + a.pad_after;
  n.require(channels <= (1 << 16), "output of " + std::to_string(channels) + " channels exceeds 65536");
  return a.output(x);
}

std::unique_ptr<PreparedOp> prepare(const NodeView& n) { return std::make_unique<PreparedShortcutA>(n); }

}  // namespace

const OpDefinition kShortcutADefinition{Op::kShortcutA,     "shortcut_a", 1,      ShortcutAAttrs::kCount, 0,
                                        /*weighted=*/false, check,        prepare};

}  // namespace wrpn::runtime::ops
