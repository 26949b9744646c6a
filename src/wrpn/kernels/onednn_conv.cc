#include "wrpn/kernels/onednn_conv.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "wrpn/kernels/amx_support.h"
#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/thread_pool.h"

#if defined(WRPN_WITH_ONEDNN)
#include <omp.h>

#include <dnnl.hpp>
#include <map>
#include <mutex>
#include <unordered_map>
#endif

namespace wrpn::kernels {
namespace {

std::atomic<bool>& onednn_disabled_flag() {
  static std::atomic<bool> flag{[] {
    const char* env = std::getenv("WRPN_DISABLE_ONEDNN");
    return env != nullptr && *env != '\0' && std::strcmp(env, "0") != 0;
  }()};
  return flag;
}

// Rows of s32 scratch per call of the output transform: keeps the accumulators in L2.
constexpr int kTransformRows = 256;

template <class Transform>
void transform_rows(int n, int threads, const Transform& transform) {
  const int tasks = (n + kTransformRows - 1) / kTransformRows;
  parallel_for(tasks, threads, [&](int t) {
    const int r0 = t * kTransformRows;
    transform(r0, std::min(n, r0 + kTransformRows));
  });
}

}  // namespace

void set_onednn_disabled(bool disabled) { onednn_disabled_flag() = disabled; }

bool onednn_conv_tier_enabled() { return onednn_conv_built() && !onednn_disabled_flag() && amx_tier_enabled(); }

#if defined(WRPN_WITH_ONEDNN)

bool onednn_conv_built() { return true; }

struct OnednnConv::State {
  ConvShape shape;
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::memory weights;  // in the layout the primitives chose for batch 1 (see below)
  dnnl::memory::desc weights_md;
  struct PerBatch {
    std::unique_ptr<dnnl::convolution_forward> conv;
    std::string impl;
    size_t scratchpad_bytes = 0;
  };
  mutable std::mutex mu;
  mutable std::map<int, PerBatch> per_batch;
  size_t weight_bytes = 0;

  dnnl::convolution_forward::primitive_desc describe(int batch, const dnnl::memory::desc& wei) const {
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    const ConvShape& s = shape;
    const dnnl::memory::desc src({batch, s.in_c, s.in_h, s.in_w}, dt::u8, tag::nhwc);
    const dnnl::memory::desc dst({batch, s.out_c, s.out_h(), s.out_w()}, dt::s32, tag::nhwc);
    const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                            src, wei, dst, {s.stride, s.stride}, {s.pad, s.pad}, {s.pad, s.pad});
    // The runtime runs batch chunks on several threads at once through the same primitive:
    // each call brings its own scratchpad, so concurrent calls never share one.
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return dnnl::convolution_forward::primitive_desc(d, attr, eng);
  }

  const PerBatch& for_batch(int batch) const {
    std::lock_guard<std::mutex> lock(mu);
    auto it = per_batch.find(batch);
    if (it != per_batch.end()) return it->second;
    const auto pd = describe(batch, weights_md);
    PerBatch pb;
    pb.conv = std::make_unique<dnnl::convolution_forward>(pd);
    pb.impl = pd.impl_info_str();
    pb.scratchpad_bytes = pd.scratchpad_desc().get_size();
    return per_batch.emplace(batch, std::move(pb)).first->second;
  }
};

OnednnConv::OnednnConv(const ConvShape& shape, int weight_bits, int act_bits, const int8_t* weight_ohwi)
    : state_(std::make_unique<State>()), shape_(shape) {
  shape_.batch = 1;
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  check_bits(weight_bits, "weight");
  check_bits(act_bits, "activation");
  State& st = *state_;
  st.shape = shape;
  st.shape.batch = 1;
  st.shape.validate();
  const ConvShape& s = st.shape;
  // OHWI codes -> OHWI s8 values (oneDNN's "ohwi" plain layout), then its chosen layout.
  const size_t count = size_t(s.out_c) * s.kernel_h * s.kernel_w * s.in_c;
  std::vector<int8_t> values(count);
  for (size_t i = 0; i < count; ++i) {
    check_weight_code(weight_ohwi[i], weight_bits);
    values[i] = static_cast<int8_t>(weight_code_value(weight_ohwi[i], weight_bits));
  }
  const dnnl::memory::dims wdims = {s.out_c, s.in_c, s.kernel_h, s.kernel_w};
  // The weight layout is chosen once (for a typical batch) and kept for every batch size:
  // the per-batch primitives are then created for that fixed layout.
  const auto pd = st.describe(64, dnnl::memory::desc(wdims, dt::s8, tag::any));
  st.weights_md = pd.weights_desc();
  st.weights = dnnl::memory(st.weights_md, st.eng);
  dnnl::memory plain({wdims, dt::s8, tag::ohwi}, st.eng, values.data());
  dnnl::stream strm(st.eng);
  dnnl::reorder(plain, st.weights).execute(strm, plain, st.weights);
  strm.wait();
  st.weight_bytes = st.weights_md.get_size();
}

OnednnConv::~OnednnConv() = default;

void OnednnConv::run_s32(const uint8_t* input, int batch, int32_t* out, int threads) const {
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  if (batch < 1) throw std::invalid_argument("oneDNN conv batch must be >= 1, got " + std::to_string(batch));
  const State& st = *state_;
  const State::PerBatch& pb = st.for_batch(batch);
  if (pb.impl.find("amx") == std::string::npos) {
    throw std::logic_error("oneDNN chose " + pb.impl + " for batch " + std::to_string(batch) +
                           ", which is not exact at every bit width (check exact_for first)");
  }
  const ConvShape& s = st.shape;
  omp_set_num_threads(threads <= 0 ? hardware_threads() : threads);
  dnnl::stream strm(st.eng);
  dnnl::memory src({{batch, s.in_c, s.in_h, s.in_w}, dt::u8, tag::nhwc}, st.eng, const_cast<uint8_t*>(input));
  dnnl::memory dst({{batch, s.out_c, s.out_h(), s.out_w()}, dt::s32, tag::nhwc}, st.eng, out);
  thread_local std::vector<uint8_t> scratch;
  if (scratch.size() < pb.scratchpad_bytes) scratch.resize(pb.scratchpad_bytes);
  dnnl::memory pad({{dnnl::memory::dim(pb.scratchpad_bytes)}, dt::u8, tag::x}, st.eng, scratch.data());
  pb.conv->execute(strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, st.weights}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, pad}});
  strm.wait();
}

std::string OnednnConv::impl(int batch) const { return state_->for_batch(batch).impl; }
bool OnednnConv::exact_for(int batch) const { return impl(batch).find("amx") != std::string::npos; }
size_t OnednnConv::weight_bytes() const { return state_->weight_bytes; }

struct OnednnConvF32::State {
  ConvShape shape;
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::memory weights;
  dnnl::memory::desc weights_md;
  mutable std::mutex mu;
  mutable std::map<int, std::pair<std::unique_ptr<dnnl::convolution_forward>, size_t>> per_batch;

  dnnl::convolution_forward::primitive_desc describe(int batch, const dnnl::memory::desc& wei) const {
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    const ConvShape& s = shape;
    const dnnl::memory::desc src({batch, s.in_c, s.in_h, s.in_w}, dt::f32, tag::nhwc);
    const dnnl::memory::desc dst({batch, s.out_c, s.out_h(), s.out_w()}, dt::f32, tag::nhwc);
    const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                            src, wei, dst, {s.stride, s.stride}, {s.pad, s.pad}, {s.pad, s.pad});
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // concurrent batch chunks: one scratchpad each
    return dnnl::convolution_forward::primitive_desc(d, attr, eng);
  }
};

OnednnConvF32::OnednnConvF32(const ConvShape& shape, const float* weight_ohwi) : state_(std::make_unique<State>()) {
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  State& st = *state_;
  st.shape = shape;
  st.shape.batch = 1;
  st.shape.validate();
  const ConvShape& s = st.shape;
  const dnnl::memory::dims wdims = {s.out_c, s.in_c, s.kernel_h, s.kernel_w};
  const auto pd = st.describe(64, dnnl::memory::desc(wdims, dt::f32, tag::any));
  st.weights_md = pd.weights_desc();
  st.weights = dnnl::memory(st.weights_md, st.eng);
  dnnl::memory plain({wdims, dt::f32, tag::ohwi}, st.eng, const_cast<float*>(weight_ohwi));
  dnnl::stream strm(st.eng);
  dnnl::reorder(plain, st.weights).execute(strm, plain, st.weights);
  strm.wait();
}

OnednnConvF32::~OnednnConvF32() = default;

void OnednnConvF32::run(const float* input, int batch, float* out, int threads) const {
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  const State& st = *state_;
  const ConvShape& s = st.shape;
  dnnl::convolution_forward* conv = nullptr;
  size_t pad_bytes = 0;
  {
    std::lock_guard<std::mutex> lock(st.mu);
    auto it = st.per_batch.find(batch);
    if (it == st.per_batch.end()) {
      const auto pd = st.describe(batch, st.weights_md);
      it = st.per_batch.emplace(batch, std::make_pair(std::make_unique<dnnl::convolution_forward>(pd),
                                                      size_t(pd.scratchpad_desc().get_size()))).first;
    }
    conv = it->second.first.get();
    pad_bytes = it->second.second;
  }
  omp_set_num_threads(threads <= 0 ? hardware_threads() : threads);
  dnnl::stream strm(st.eng);
  dnnl::memory src({{batch, s.in_c, s.in_h, s.in_w}, dt::f32, tag::nhwc}, st.eng, const_cast<float*>(input));
  dnnl::memory dst({{batch, s.out_c, s.out_h(), s.out_w()}, dt::f32, tag::nhwc}, st.eng, out);
  thread_local std::vector<uint8_t> scratch;
  if (scratch.size() < pad_bytes) scratch.resize(pad_bytes);
  dnnl::memory pad({{dnnl::memory::dim(pad_bytes)}, dt::u8, tag::x}, st.eng, scratch.data());
  conv->execute(strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, st.weights}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, pad}});
  strm.wait();
}

#else  // built without oneDNN: never constructed (onednn_conv_tier_enabled() is false)

bool onednn_conv_built() { return false; }
struct OnednnConv::State {};
OnednnConv::OnednnConv(const ConvShape& shape, int, int, const int8_t*) : shape_(shape) {
  throw std::logic_error("wrpn was built without oneDNN: the oneDNN int8 tier is not available");
}
OnednnConv::~OnednnConv() = default;
void OnednnConv::run_s32(const uint8_t*, int, int32_t*, int) const {}
std::string OnednnConv::impl(int) const { return {}; }
bool OnednnConv::exact_for(int) const { return false; }
struct OnednnConvF32::State {};
OnednnConvF32::OnednnConvF32(const ConvShape&, const float*) {
  throw std::logic_error("wrpn was built without oneDNN: no oneDNN FP32 convolution");
}
OnednnConvF32::~OnednnConvF32() = default;
void OnednnConvF32::run(const float*, int, float*, int) const {}
size_t OnednnConv::weight_bytes() const { return 0; }

#endif

void OnednnConv::run_requantize(const uint8_t* input, int batch, const RequantizeThresholds& th, uint8_t* out,
                                int threads) const {
  const int m = shape_.out_c;
  if (th.channels != m) {
    throw std::invalid_argument("thresholds for " + std::to_string(th.channels) + " channels, conv has " +
                                std::to_string(m));
  }
  const int rows = batch * shape_.out_h() * shape_.out_w();
  thread_local std::vector<int32_t> acc;
  acc.resize(size_t(rows) * m);
  run_s32(input, batch, acc.data(), threads);
  // A thread_local is not captured: each worker would see its own. Pass the pointer.
  const int32_t* accp = acc.data();
  transform_rows(rows, threads, [&](int r0, int r1) {
    detail::requantize_channels(th, accp + size_t(r0) * m, size_t(m), r1 - r0, 0, m, out + size_t(r0) * m,
                                size_t(m));
  });
}

void OnednnConv::run_dequantize(const uint8_t* input, int batch, const ChannelAffine& affine, float* out,
                                int threads) const {
  const int m = shape_.out_c;
  if (affine.scale.size() != size_t(m) || affine.bias.size() != size_t(m)) {
    throw std::invalid_argument("affine for " + std::to_string(affine.scale.size()) + " channels, conv has " +
                                std::to_string(m));
  }
  const int rows = batch * shape_.out_h() * shape_.out_w();
  thread_local std::vector<int32_t> acc;
  acc.resize(size_t(rows) * m);
  run_s32(input, batch, acc.data(), threads);
  const int32_t* accp = acc.data();
  transform_rows(rows, threads, [&](int r0, int r1) {
    detail::dequantize_channels(affine, accp + size_t(r0) * m, size_t(m), r1 - r0, 0, m, out + size_t(r0) * m,
                                size_t(m));
  });
}

}  // namespace wrpn::kernels
