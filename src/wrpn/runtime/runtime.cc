#include "wrpn/runtime/runtime.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "wrpn/kernels/aligned_buffer.h"
#include "wrpn/kernels/conv.h"
#include "wrpn/kernels/gemm.h"
#include "wrpn/kernels/onednn_conv.h"
#include "wrpn/kernels/thread_pool.h"
#include "wrpn/runtime/float_ops.h"
#include "wrpn/runtime/graph_check.h"

namespace wrpn::runtime {
namespace {

std::vector<float> floats_of(const TensorInfo& t) {
  std::vector<float> out(t.elements());
  std::memcpy(out.data(), t.data.data(), out.size() * sizeof(float));
  return out;
}

size_t packed_bytes(const kernels::PackedWeights& w) {
  return w.bytes.data.size() * sizeof(int8_t) + w.words.data.size() * sizeof(int16_t) +
         w.bits.data.size() * sizeof(uint64_t) + w.quads.data.size() + w.tiles.data.size();
}


}  // namespace

// GEMM rows (output pixels) per conv call: bounds the im2col scratch to a few hundred KB.
constexpr int kGroupRows = 4096;

struct Runtime::Layer {
  const Node* node = nullptr;
  ValueInfo in, out;
  // conv2d / linear
  kernels::ConvShape shape;  // batch is set per run
  bool integer = false;      // codes in, k-bit weights: the packed integer kernels
  kernels::GemmPlan plan;
  kernels::PackedWeights packed;
  // The AMX tier on oneDNN's int8 convolution, where enabled; owns its reordered weights.
  // Used for the batch sizes oneDNN runs on AMX (exact_for), the packed GEMM otherwise.
  std::unique_ptr<kernels::OnednnConv> onednn;
  kernels::RequantizeThresholds thresholds;
  kernels::ChannelAffine affine;  // also the channel_affine op's scale and bias
  std::vector<float> w_t;         // float path: K x M
  std::unique_ptr<kernels::OnednnConvF32> onednn_f32;  // float convs through oneDNN, where built in
  OutMode mode = OutMode::kFloat;
  int out_bits = 32;
  int group = 1;  // conv/linear: images per GEMM call

  size_t weight_bytes() const {
    return packed_bytes(packed) + (onednn ? onednn->weight_bytes() : 0) + thresholds.t.size() * sizeof(int32_t) +
           w_t.size() * sizeof(float) +
           2 * affine.scale.size() * sizeof(float);
  }
};

struct Runtime::Arena {
  int capacity = 0;
  kernels::AlignedBuffer<uint8_t> bytes;
  std::vector<uint8_t*> value_ptr;
  std::vector<float> scratch, scratch2, operand;
  size_t peak_scratch = 0;

  float* floats(std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
    return v.data();
  }
};

Runtime::Runtime(ModelFile model) : model_(std::move(model)) {
  validate_graph(model_);  // a model built in memory gets the reader's checks too
  plan_ = plan_memory(model_);
  for (size_t i = 0; i < model_.nodes.size(); ++i) {
    try {
      layers_.push_back(prepare_layer(i));
    } catch (const std::exception& e) {  // a kernel's complaint, told against the node it came from
      throw std::runtime_error("node " + std::to_string(i) + " (" + op_name(model_.nodes[i].op) + "): " + e.what());
    }
  }
}

std::unique_ptr<Runtime::Layer> Runtime::prepare_layer(size_t index) const {
  const Node& n = model_.nodes[index];
  auto layer = std::make_unique<Layer>();
  Layer& l = *layer;
  l.node = &n;
  l.in = model_.values[n.inputs[0]];
  l.out = model_.values[n.output];
  if (n.op == Op::kConv2d || n.op == Op::kLinear) {
    const bool conv = n.op == Op::kConv2d;
    l.shape.in_h = conv ? l.in.height : 1;
    l.shape.in_w = conv ? l.in.width : 1;
    l.shape.in_c = conv ? l.in.channels : int(l.in.elements());
    l.shape.out_c = n.attrs[0];
    l.shape.kernel_h = conv ? n.attrs[1] : 1;
    l.shape.kernel_w = conv ? n.attrs[2] : 1;
    l.shape.stride = conv ? n.attrs[3] : 1;
    l.shape.pad = conv ? n.attrs[4] : 0;
    const int weight_bits = n.attrs[conv ? 5 : 1];
    l.mode = OutMode(n.attrs[conv ? 6 : 2]);
    l.out_bits = n.attrs[conv ? 7 : 3];
    const TensorInfo& w = model_.tensors[n.tensors[0]];
    l.affine.scale = floats_of(model_.tensors[n.tensors[1]]);
    l.affine.bias = floats_of(model_.tensors[n.tensors[2]]);
    const int m = l.shape.out_c, k = l.shape.gemm_k();
    l.group = std::max(1, kGroupRows / (l.out.height * l.out.width));
    l.integer = l.in.kind == ValueKind::kCodes && weight_bits <= 8;
    if (l.integer) {
      std::vector<int8_t> codes(w.elements());
      unpack_signed_codes(w.data.data(), codes.size(), weight_bits, codes.data());
      // The tier is chosen here, once per layer (kernels/gemm_variant.h and onednn_conv.h say
      // where each runs): oneDNN's int8 convolution where AMX and oneDNN are, else the
      // packed GEMM variant select_gemm_variant picks (our AMX tiles, VNNI, AVX2, ...).
      // The packed GEMM stays as the fallback for batch sizes oneDNN would not run on AMX.
      if (kernels::onednn_conv_tier_enabled()) {
        l.onednn = std::make_unique<kernels::OnednnConv>(l.shape, weight_bits, l.in.bits, codes.data());
      }
      l.plan = kernels::make_gemm_plan(weight_bits, l.in.bits, k);
      l.packed = kernels::pack_weights(l.plan, codes.data(), m, size_t(k));
      if (l.mode == OutMode::kCodes) l.thresholds = kernels::make_requantize_thresholds(l.affine, l.out_bits);
    } else {
      std::vector<float> values(w.elements());
      if (weight_bits == 32) {
        values = floats_of(w);
      } else {
        std::vector<int8_t> codes(w.elements());
        unpack_signed_codes(w.data.data(), codes.size(), weight_bits, codes.data());
        for (size_t i = 0; i < codes.size(); ++i) values[i] = float(codes[i]);
      }
      if (conv && kernels::onednn_conv_built()) l.onednn_f32 = std::make_unique<kernels::OnednnConvF32>(l.shape, values.data());
      l.w_t.resize(values.size());
      for (int mm = 0; mm < m; ++mm)
        for (int kk = 0; kk < k; ++kk) l.w_t[size_t(kk) * m + mm] = values[size_t(mm) * k + kk];
    }
  } else if (n.op == Op::kChannelAffine) {
    l.affine.scale = floats_of(model_.tensors[n.tensors[0]]);
    l.affine.bias = floats_of(model_.tensors[n.tensors[1]]);
    l.mode = OutMode(n.attrs[0]);
    l.out_bits = n.attrs[1];
  } else if (n.op == Op::kAdd) {
    l.mode = OutMode(n.attrs[0]);
    l.out_bits = n.attrs[1];
  }
  return layer;
}

Runtime Runtime::load(const std::string& path) { return Runtime(read_model_file(path)); }
Runtime::Runtime(Runtime&&) noexcept = default;
Runtime& Runtime::operator=(Runtime&&) noexcept = default;
Runtime::~Runtime() = default;

int Runtime::classes() const { return model_.values[model_.output].channels; }

namespace {

// NCHW images (LibTorch's layout) -> the runtime's NHWC floats, element by element through `value`.
template <typename T, typename Value>
void to_nhwc(const T* in, int batch, const InputSpec& s, std::vector<float>& out, Value value) {
  if (batch < 1) throw std::invalid_argument("batch must be >= 1, got " + std::to_string(batch));
  const size_t hw = size_t(s.height) * s.width, per = hw * s.channels;
  out.resize(per * size_t(batch));
  for (int b = 0; b < batch; ++b)
    for (int c = 0; c < s.channels; ++c)
      for (size_t p = 0; p < hw; ++p) out[b * per + p * s.channels + c] = value(in[b * per + c * hw + p], c);
}

}  // namespace

void Runtime::run(const float* input, int batch, float* logits, int threads) {
  to_nhwc(input, batch, model_.input, nhwc_input_, [](float x, int) { return x; });
  run_normalised_nhwc(nhwc_input_.data(), batch, logits, threads);
}

void Runtime::run_pixels(const uint8_t* pixels, int batch, float* logits, int threads) {
  const InputSpec& s = model_.input;
  // The training loader's arithmetic, term for term (data/sample_source.cpp).
  to_nhwc(pixels, batch, s, nhwc_input_, [&s](uint8_t p, int c) { return float(p) * s.scale[c] + s.shift[c]; });
  run_normalised_nhwc(nhwc_input_.data(), batch, logits, threads);
}

void Runtime::run_normalised_nhwc(const float* input, int batch, float* logits, int threads) {
  if (threads <= 0) threads = kernels::hardware_threads();
  // Many images: one chunk per thread, each running the whole network on its own arena
  // (no synchronisation between layers). One image: the GEMMs split their tiles instead.
  const int chunks = std::min(threads, batch);
  const int per_chunk = (batch + chunks - 1) / chunks;
  const size_t in_per = model_.values[0].elements();
  const int classes_ = classes();
  while (int(arenas_.size()) < chunks) arenas_.push_back(std::make_unique<Arena>());
  if (chunks == 1) {
    run_chunk(input, batch, logits, threads, *arenas_[0]);
    return;
  }
  kernels::parallel_for(chunks, chunks, [&](int c) {
    const int begin = c * per_chunk, count = std::min(batch, begin + per_chunk) - begin;
    if (count > 0) {
      run_chunk(input + size_t(begin) * in_per, count, logits + size_t(begin) * classes_, 1, *arenas_[size_t(c)]);
    }
  });
}

void Runtime::run_chunk(const float* input, int batch, float* logits, int gemm_threads, Arena& a) {
  if (a.capacity < batch) {
    a.capacity = batch;
    a.bytes = kernels::AlignedBuffer<uint8_t>(plan_.bytes_per_sample() * size_t(batch));
    a.value_ptr.assign(model_.values.size(), nullptr);
  }
  // Values sit in their planned slots, laid out for this arena's capacity.
  for (size_t v = 0; v < model_.values.size(); ++v) {
    a.value_ptr[v] = a.bytes.data() + plan_.offset_of_slot(plan_.slot_of_value[v], a.capacity);
  }
  std::memcpy(a.value_ptr[0], input, model_.values[0].bytes_per_sample() * size_t(batch));

  for (const auto& lp : layers_) {
    const Layer& l = *lp;
    const Node& n = *l.node;
    const uint8_t* x = a.value_ptr[n.inputs[0]];
    uint8_t* y = a.value_ptr[n.output];
    const size_t in_count = l.in.elements() * size_t(batch), out_count = l.out.elements() * size_t(batch);
    switch (n.op) {
      case Op::kConv2d:
      case Op::kLinear:
        // Images in groups of about kGroupRows GEMM rows: the im2col and accumulator scratch
        // stay that size (and in cache) whatever the batch.
        for (int b0 = 0; b0 < batch; b0 += l.group) {
          const int g = std::min(l.group, batch - b0);
          run_matmul(l, x + size_t(b0) * l.in.bytes_per_sample(), y + size_t(b0) * l.out.bytes_per_sample(), g,
                     gemm_threads, a);
        }
        break;
      case Op::kMaxPool:
        if (l.in.kind == ValueKind::kCodes) {
          max_pool_u8(x, batch, l.in.height, l.in.width, l.in.channels, n.attrs[0], n.attrs[1], n.attrs[2], y);
        } else {
          max_pool_f32(reinterpret_cast<const float*>(x), batch, l.in.height, l.in.width, l.in.channels, n.attrs[0],
                       n.attrs[1], n.attrs[2], reinterpret_cast<float*>(y));
        }
        break;
      case Op::kGlobalAvgPool: {
        const int c = l.in.channels;
        const size_t hw = size_t(l.in.height) * l.in.width;
        const float levels = float((1 << l.in.bits) - 1);
        auto* out = reinterpret_cast<float*>(y);
        for (int b = 0; b < batch; ++b)
          for (int ch = 0; ch < c; ++ch) {
            double sum = 0;
            for (size_t p = 0; p < hw; ++p) {
              const size_t i = (size_t(b) * hw + p) * c + ch;
              sum += l.in.kind == ValueKind::kCodes ? double(code_value(x[i], levels))
                                                    : double(reinterpret_cast<const float*>(x)[i]);
            }
            out[size_t(b) * c + ch] = float(sum / double(hw));
          }
        break;
      }
      case Op::kAdd:
      case Op::kChannelAffine: {
        // Real values of the operands: float values as they are, codes converted once.
        auto real = [&](uint32_t v, std::vector<float>& scratch) -> const float* {
          const ValueInfo& info = model_.values[v];
          if (info.kind == ValueKind::kFloat) return reinterpret_cast<const float*>(a.value_ptr[v]);
          float* out = a.floats(scratch, out_count);
          const float levels = float((1 << info.bits) - 1);
          for (size_t i = 0; i < out_count; ++i) out[i] = code_value(a.value_ptr[v][i], levels);
          return out;
        };
        const float* first = real(n.inputs[0], a.scratch2);
        float* sum = a.floats(a.scratch, out_count);
        if (n.op == Op::kAdd) {
          const float* second = real(n.inputs[1], a.operand);
          for (size_t i = 0; i < out_count; ++i) sum[i] = first[i] + second[i];
        } else {
          const size_t c = size_t(l.in.channels);
          for (size_t row = 0; row < out_count / c; ++row)
            for (size_t ch = 0; ch < c; ++ch) {
              sum[row * c + ch] = first[row * c + ch] * l.affine.scale[ch] + l.affine.bias[ch];
            }
        }
        write_outputs(sum, out_count, l.mode, l.out_bits, y);
        break;
      }
      case Op::kShortcutA: {
        const int stride = n.attrs[0], before = n.attrs[1];
        const size_t elem = l.in.kind == ValueKind::kCodes ? 1 : 4;
        std::memset(y, 0, out_count * elem);  // zero code and 0.0f are both all-zero bytes
        const int ic = l.in.channels, oc = l.out.channels;
        for (int b = 0; b < batch; ++b)
          for (int oy = 0; oy < l.out.height; ++oy)
            for (int ox = 0; ox < l.out.width; ++ox) {
              const size_t src = ((size_t(b) * l.in.height + size_t(oy) * stride) * l.in.width + size_t(ox) * stride) * ic;
              const size_t dst = ((size_t(b) * l.out.height + oy) * l.out.width + ox) * oc + before;
              std::memcpy(y + dst * elem, x + src * elem, size_t(ic) * elem);
            }
        break;
      }
      case Op::kFlatten:  // NHWC memory is already the flattened order
        std::memcpy(y, x, in_count * (l.in.kind == ValueKind::kCodes ? 1 : 4));
        break;
      case Op::kSoftmax: {
        const int c = l.in.channels;
        const auto* in = reinterpret_cast<const float*>(x);
        auto* out = reinterpret_cast<float*>(y);
        for (int b = 0; b < batch; ++b) {
          const float* r = in + size_t(b) * c;
          const float top = *std::max_element(r, r + c);
          double total = 0;
          for (int i = 0; i < c; ++i) total += std::exp(double(r[i] - top));
          for (int i = 0; i < c; ++i) out[size_t(b) * c + i] = float(std::exp(double(r[i] - top)) / total);
        }
        break;
      }
    }
  }
  std::memcpy(logits, a.value_ptr[model_.output], size_t(batch) * classes() * sizeof(float));
}

void Runtime::run_matmul(const Layer& l, const uint8_t* x, uint8_t* y, int batch, int gemm_threads, Arena& a) {
  kernels::ConvShape s = l.shape;
  s.batch = batch;
  const int m = s.out_c;
  const size_t in_count = l.in.elements() * size_t(batch), out_count = l.out.elements() * size_t(batch);
  if (l.integer) {
    if (l.onednn && l.onednn->exact_for(batch)) {
      a.peak_scratch = std::max(a.peak_scratch, size_t(s.gemm_n()) * m * sizeof(int32_t));  // s32 accumulators
      if (l.mode == OutMode::kCodes) {
        l.onednn->run_requantize(x, batch, l.thresholds, y, gemm_threads);
      } else {
        auto* f = reinterpret_cast<float*>(y);
        l.onednn->run_dequantize(x, batch, l.affine, f, gemm_threads);
        if (l.mode == OutMode::kRelu) write_outputs(f, out_count, OutMode::kRelu, 32, f);
      }
      return;
    }
    // The kernels pack im2col rows block by block in per-thread buffers (conv.h).
    a.peak_scratch = std::max(a.peak_scratch, kernels::conv_scratch_bytes(l.plan, s, gemm_threads));
    if (l.mode == OutMode::kCodes) {
      kernels::conv_requantize(l.packed, s, x, l.thresholds, y, gemm_threads);
    } else {
      auto* f = reinterpret_cast<float*>(y);
      kernels::conv_dequantize(l.packed, s, x, l.affine, f, gemm_threads);
      if (l.mode == OutMode::kRelu) write_outputs(f, out_count, OutMode::kRelu, 32, f);
    }
    return;
  }
  const float* xf = reinterpret_cast<const float*>(x);
  if (l.in.kind == ValueKind::kCodes) {  // integer code values into floats (the scale holds 1/L)
    float* conv_in = a.floats(a.scratch2, in_count);
    for (size_t i = 0; i < in_count; ++i) conv_in[i] = float(x[i]);
    xf = conv_in;
  }
  float* acc = a.floats(a.scratch, out_count);
  a.peak_scratch = std::max(a.peak_scratch, (a.scratch.size() + a.scratch2.size()) * sizeof(float));
  if (l.onednn_f32) {
    l.onednn_f32->run(xf, batch, acc, gemm_threads);
  } else if (l.node->op == Op::kConv2d) {
    conv2d_f32(s, xf, l.w_t.data(), acc);
  } else {
    linear_f32(xf, batch, s.in_c, l.w_t.data(), m, acc);
  }
  apply_channel_affine(acc, out_count / size_t(m), m, l.affine.scale.data(), l.affine.bias.data());
  write_outputs(acc, out_count, l.mode, l.out_bits, y);
}

MemoryReport Runtime::memory(int batch, int threads) const {
  MemoryReport r;
  for (const auto& l : layers_) r.weight_bytes += l->weight_bytes();
  if (threads <= 0) threads = kernels::hardware_threads();
  const int chunks = std::max(1, std::min(threads, batch));
  const int per_chunk = (batch + chunks - 1) / chunks;
  r.activation_bytes = plan_.bytes_per_sample() * size_t(per_chunk) * size_t(chunks);
  r.unplanned_activation_bytes = plan_.naive_bytes_per_sample * size_t(batch);
  for (const auto& a : arenas_) r.scratch_bytes += a->peak_scratch;
  return r;
}

}  // namespace wrpn::runtime
