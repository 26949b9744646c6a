#include "wrpn/runtime/ops/concat.h"

#include <cstring>
#include <string>

namespace wrpn::runtime::ops {

namespace {

class PreparedConcat final : public PreparedOp {
 public:
  explicit PreparedConcat(const NodeView& n) : out_(n.output()) {
    const size_t element = out_.kind == ValueKind::kFloat ? 4 : 1;
    for (size_t i = 0; i < n.node().inputs.size(); ++i) part_bytes_.push_back(size_t(n.input(i).channels) * element);
    pixel_bytes_ = size_t(out_.channels) * element;
  }
  // NHWC: each output pixel is the inputs' pixels one after another.
  void run(const OpRun& r) const override {
    const size_t pixels = size_t(out_.height) * out_.width * size_t(r.batch);
    for (size_t p = 0; p < pixels; ++p) {
      uint8_t* o = r.output + p * pixel_bytes_;
      for (size_t i = 0; i < part_bytes_.size(); ++i) {
        std::memcpy(o, r.inputs[i] + p * part_bytes_[i], part_bytes_[i]);
        o += part_bytes_[i];
      }
    }
  }

 private:
  ValueInfo out_;
  std::vector<size_t> part_bytes_;
  size_t pixel_bytes_ = 0;
};

ValueInfo check(const NodeView& n) {
  ValueInfo out = n.input(0);
  for (size_t i = 1; i < n.node().inputs.size(); ++i) {
    const ValueInfo& x = n.input(i);
    n.require(x.kind == out.kind && x.bits == out.bits && x.range == out.range && x.height == out.height &&
                  x.width == out.width,
              "input " + std::to_string(i) + " " + describe(x) + " differs from input 0 " + describe(n.input(0)) +
                  " in kind, bits, range or map size");
    out.channels += x.channels;
  }
  n.require(out.channels <= (1 << 16), "concatenation has " + std::to_string(out.channels) + " channels, over 65536");
  return out;
}

std::unique_ptr<PreparedOp> prepare(const NodeView& n) { return std::make_unique<PreparedConcat>(n); }

}  // namespace

const OpDefinition kConcatDefinition{Op::kConcat,      "concat",         2, 0, 0, /*weighted=*/false, check, prepare,
                                     kConcatMaxInputs, /*since_minor=*/1};

}  // namespace wrpn::runtime::ops
