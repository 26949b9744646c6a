#include "wrpn/runtime/ops/matmul.h"

#include <algorithm>
#include <string>

#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/gemm.h"
#include "wrpn/kernels/onednn_conv.h"
#include "wrpn/runtime/float_ops.h"

namespace wrpn::runtime::ops {

int decode_weight_bits(const NodeView& n, size_t at) {
  const int bits = n.raw_attr(at);
  n.require(bits == 32 || (bits >= 1 && bits <= 8),
            "weight_bits = " + std::to_string(bits) + " (attribute " + std::to_string(at) + ") is not 1..8 or 32");
  return bits;
}

void check_weights(const NodeView& n, int weight_bits, const std::vector<int>& dims) {
  const int out_c = dims[0];
  n.tensor(0, "weight", weight_bits == 32 ? TensorType::kFloat32 : TensorType::kSignedCodes, weight_bits, dims);
  n.tensor(1, "scale", TensorType::kFloat32, 32, {out_c});
  n.tensor(2, "bias", TensorType::kFloat32, 32, {out_c});
  const ValueInfo& x = n.input(0);
  if (x.kind != ValueKind::kCodes || weight_bits > 8) return;
  int64_t k = 1;
  for (size_t d = 1; d < dims.size(); ++d) k *= dims[d];
  const int64_t largest = kernels::weight_code_max(weight_bits);
  const int64_t worst = k * int64_t(kernels::act_code_max(x.bits)) * largest;
  n.require(worst < (int64_t(1) << 31), "int32 accumulator could overflow: K = " + std::to_string(k) + " taps x " +
                                            std::to_string(kernels::act_code_max(x.bits)) + " x " +
                                            std::to_string(largest) + " = " + std::to_string(worst) + " >= 2^31");
}

namespace {

// GEMM rows (output pixels) per kernel call: bounds the im2col scratch to a few hundred KB.
constexpr int kGroupRows = 4096;

size_t packed_bytes(const kernels::PackedWeights& w) {
  return w.bytes.data.size() * sizeof(int8_t) + w.words.data.size() * sizeof(int16_t) +
         w.bits.data.size() * sizeof(uint64_t) + w.quads.data.size() + w.tiles.data.size();
}

std::vector<int8_t> weight_codes(const TensorInfo& w) {
  std::vector<int8_t> codes(w.elements());
  unpack_signed_codes(w.data.data(), codes.size(), w.bits, codes.data());
  return codes;
}

class PreparedMatmul final : public PreparedOp {
 public:
  PreparedMatmul(const NodeView& n, const kernels::ConvShape& shape, int weight_bits, Activation act, bool spatial)
      : in_(n.input(0)), out_(n.output()), shape_(shape), act_(act) {
    affine_.scale = n.floats(1);
    affine_.bias = n.floats(2);
    const TensorInfo& w = n.raw_tensor(0);
    const int m = shape_.out_c, k = shape_.gemm_k();
    group_ = std::max(1, kGroupRows / (out_.height * out_.width));
    integer_ = in_.kind == ValueKind::kCodes && weight_bits <= 8;
    if (integer_) {
      const std::vector<int8_t> codes = weight_codes(w);
      // The tier is chosen here, once per node (kernels/gemm_variant.h and onednn_conv.h say
      // where each runs): oneDNN's int8 convolution where it is exact (AMX or VNNI) and our
      // popcount is not faster, else the packed GEMM variant select_gemm_variant picks (our
      // AMX tiles, VNNI, AVX2, ...), which stays prepared as the fallback for batch sizes
      // oneDNN would run on an inexact implementation.
      if (kernels::onednn_conv_tier_enabled()) {
        onednn_ = std::make_unique<kernels::OnednnConv>(shape_, weight_bits, in_.bits, codes.data());
      }
      plan_ = kernels::make_gemm_plan(weight_bits, in_.bits, k);
      packed_ = kernels::pack_weights(plan_, codes.data(), m, size_t(k));
      if (act_.mode == OutMode::kCodes) thresholds_ = kernels::make_requantize_thresholds(affine_, act_.bits);
      return;
    }
    std::vector<float> values(w.elements());
    if (weight_bits == 32) {
      values = n.floats(0);
    } else {
      const std::vector<int8_t> codes = weight_codes(w);
      for (size_t i = 0; i < codes.size(); ++i) values[i] = float(codes[i]);
    }
    if (spatial && kernels::onednn_conv_built()) {
      onednn_f32_ = std::make_unique<kernels::OnednnConvF32>(shape_, values.data());
    }
    spatial_ = spatial;
    w_t_.resize(values.size());
    for (int mm = 0; mm < m; ++mm)
      for (int kk = 0; kk < k; ++kk) w_t_[size_t(kk) * m + mm] = values[size_t(mm) * k + kk];
  }

  // Images in groups of about kGroupRows GEMM rows: the im2col and accumulator scratch stay
  // that size (and in cache) whatever the batch.
  void run(const OpRun& r) const override {
    for (int b0 = 0; b0 < r.batch; b0 += group_) {
      const int g = std::min(group_, r.batch - b0);
      const uint8_t* x = r.inputs[0] + size_t(b0) * in_.bytes_per_sample();
      uint8_t* y = r.output + size_t(b0) * out_.bytes_per_sample();
      if (integer_) {
        run_integer(x, y, g, r.threads, r.scratch);
      } else {
        run_float(x, y, g, r.threads, r.scratch);
      }
    }
  }

  std::string kernel(int batch, int threads) const override {
    const int g = std::min(group_, batch);
    if (integer_) {
      if (use_onednn(g, threads)) return "oneDNN int8 " + onednn_->impl(g, threads);
      return kernels::gemm_variant_name(plan_.variant);
    }
    if (onednn_f32_) return "oneDNN f32";
    return spatial_ ? "f32 direct conv" : "f32 linear";
  }

  size_t weight_bytes() const override {
    return packed_bytes(packed_) + (onednn_ ? onednn_->weight_bytes() : 0) + thresholds_.t.size() * sizeof(int32_t) +
           w_t_.size() * sizeof(float) + 2 * affine_.scale.size() * sizeof(float);
  }

 private:
  bool use_onednn(int batch, int threads) const {
    if (!onednn_ || !onednn_->exact_for(batch, threads)) return false;
    return !kernels::popcount_beats_onednn(plan_, onednn_->impl(batch, threads));
  }

  void run_integer(const uint8_t* x, uint8_t* y, int batch, int threads, Scratch& scratch) const {
    kernels::ConvShape s = shape_;
    s.batch = batch;
    const size_t out_count = out_.elements() * size_t(batch);
    auto* f = reinterpret_cast<float*>(y);
    if (use_onednn(batch, threads)) {
      scratch.note(size_t(s.gemm_n()) * size_t(s.out_c) * sizeof(int32_t));  // s32 accumulators
      if (act_.mode == OutMode::kCodes) {
        onednn_->run_requantize(x, batch, thresholds_, y, threads);
        return;
      }
      onednn_->run_dequantize(x, batch, affine_, f, threads);
    } else {
      // The kernels pack im2col rows block by block in per-thread buffers (conv.h).
      scratch.note(kernels::conv_scratch_bytes(plan_, s, threads));
      if (act_.mode == OutMode::kCodes) {
        kernels::conv_requantize(packed_, s, x, thresholds_, y, threads);
        return;
      }
      kernels::conv_dequantize(packed_, s, x, affine_, f, threads);
    }
    if (act_.mode == OutMode::kRelu) write_outputs(f, out_count, OutMode::kRelu, 32, f);
  }

  void run_float(const uint8_t* x, uint8_t* y, int batch, int threads, Scratch& scratch) const {
    kernels::ConvShape s = shape_;
    s.batch = batch;
    const int m = s.out_c;
    const size_t in_count = in_.elements() * size_t(batch), out_count = out_.elements() * size_t(batch);
    const float* xf = reinterpret_cast<const float*>(x);
    if (in_.kind == ValueKind::kCodes) {  // integer code values into floats (the scale holds 1/L)
      float* conv_in = scratch.floats(scratch.input, in_count);
      for (size_t i = 0; i < in_count; ++i) conv_in[i] = float(x[i]);
      xf = conv_in;
    }
    float* acc = scratch.floats(scratch.result, out_count);
    scratch.note((scratch.result.size() + scratch.input.size()) * sizeof(float));
    if (onednn_f32_) {
      onednn_f32_->run(xf, batch, acc, threads);
    } else if (spatial_) {
      conv2d_f32(s, xf, w_t_.data(), acc);
    } else {
      linear_f32(xf, batch, s.in_c, w_t_.data(), m, acc);
    }
    apply_channel_affine(acc, out_count / size_t(m), m, affine_.scale.data(), affine_.bias.data());
    act_.write(acc, out_count, y);
  }

  ValueInfo in_, out_;
  kernels::ConvShape shape_;  // batch is set per call
  Activation act_;
  int group_ = 1;         // images per kernel call
  bool integer_ = false;  // codes in, k-bit weights: the packed integer kernels
  bool spatial_ = false;
  kernels::GemmPlan plan_;
  kernels::PackedWeights packed_;
  // oneDNN's int8 convolution (AMX or VNNI), where enabled; owns its reordered weights.
  std::unique_ptr<kernels::OnednnConv> onednn_;
  kernels::RequantizeThresholds thresholds_;
  kernels::ChannelAffine affine_;
  std::vector<float> w_t_;                              // float path: K x M
  std::unique_ptr<kernels::OnednnConvF32> onednn_f32_;  // float convs through oneDNN, where built in
};

}  // namespace

std::unique_ptr<PreparedOp> prepare_matmul(const NodeView& n, const kernels::ConvShape& shape, int weight_bits,
                                           Activation act, bool spatial) {
  return std::make_unique<PreparedMatmul>(n, shape, weight_bits, act, spatial);
}

}  // namespace wrpn::runtime::ops
