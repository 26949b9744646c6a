#include "wrpn/kernels/onednn_conv.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "wrpn/kernels/amx_support.h"
#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/target_info.h"
#include "wrpn/kernels/thread_pool.h"

#if defined(WRPN_WITH_ONEDNN)
#include <omp.h>

#include <dnnl.hpp>
#include <map>
#include <mutex>
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

bool onednn_conv_tier_enabled() {
  return onednn_conv_built() && !onednn_disabled_flag() && active_target_has_vnni();
}

std::string onednn_tier_status() {
  if (!onednn_conv_built()) return "oneDNN int8 tier off: built without oneDNN";
  if (onednn_disabled_flag()) return "oneDNN int8 tier off: disabled (WRPN_DISABLE_ONEDNN or set_onednn_disabled)";
  if (!active_target_has_vnni()) return "oneDNN int8 tier off: dispatch target " + active_target_name() + " has no VNNI";
  return std::string("oneDNN int8 tier on (") + (amx_tier_enabled() ? "AMX" : "VNNI") + ", exact implementations only)";
}

bool onednn_impl_is_exact(const std::string& impl) {
  if (impl.find("amx") != std::string::npos) return amx_tier_enabled();
  return impl.find("vnni") != std::string::npos;
}

bool popcount_beats_onednn(const GemmPlan& plan, const std::string& impl) {
  if (plan.variant != GemmVariant::kBitplanePopcount) return false;
  if (impl.find("amx") != std::string::npos) return false;
  return plan.k >= kPopcountOverVnniMinK * plan.weight_bits * plan.act_bits;
}

#if defined(WRPN_WITH_ONEDNN)

bool onednn_conv_built() { return true; }

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

// One oneDNN convolution with NHWC source and destination: its weights reordered once into
// the layout oneDNN picks for a typical batch, and a primitive per batch size made for that
// fixed layout on first use. Shared by the int8 tier and the float convolutions.
class PreparedConv {
 public:
  struct PerBatch {
    std::unique_ptr<dnnl::convolution_forward> conv;
    std::string impl;
    size_t scratchpad_bytes = 0;
  };

  PreparedConv(const ConvShape& shape, dt src, dt wei, dt dst, const void* weight_ohwi)
      : shape_(shape), src_(src), dst_(dst) {
    shape_.batch = 1;
    shape_.validate();
    const ConvShape& s = shape_;
    const dnnl::memory::dims wdims = {s.out_c, s.in_c, s.kernel_h, s.kernel_w};
    weights_md_ = describe(64, dnnl::memory::desc(wdims, wei, tag::any)).weights_desc();
    weights_ = dnnl::memory(weights_md_, eng_);
    dnnl::memory plain({wdims, wei, tag::ohwi}, eng_, const_cast<void*>(weight_ohwi));
    dnnl::stream strm(eng_);
    dnnl::reorder(plain, weights_).execute(strm, plain, weights_);
    strm.wait();
  }

  // oneDNN fixes a convolution's thread count when the primitive is made (its OpenMP
  // max-threads then): one primitive per batch size and thread count, made under that count.
  const PerBatch& for_batch(int batch, int threads) const {
    if (batch < 1) throw std::invalid_argument("oneDNN conv batch must be >= 1, got " + std::to_string(batch));
    const int nthr = resolved_threads(threads);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = per_batch_.find({batch, nthr});
    if (it != per_batch_.end()) return it->second;
    omp_set_num_threads(nthr);
    const auto pd = describe(batch, weights_md_);
    PerBatch pb;
    pb.conv = std::make_unique<dnnl::convolution_forward>(pd);
    pb.impl = pd.impl_info_str();
    pb.scratchpad_bytes = pd.scratchpad_desc().get_size();
    return per_batch_.emplace(std::make_pair(batch, nthr), std::move(pb)).first->second;
  }

  void execute(const PerBatch& pb, const void* input, int batch, void* out, int threads) const {
    const ConvShape& s = shape_;
    omp_set_num_threads(resolved_threads(threads));
    dnnl::stream strm(eng_);
    dnnl::memory src({{batch, s.in_c, s.in_h, s.in_w}, src_, tag::nhwc}, eng_, const_cast<void*>(input));
    dnnl::memory dst({{batch, s.out_c, s.out_h(), s.out_w()}, dst_, tag::nhwc}, eng_, out);
    thread_local std::vector<uint8_t> scratch;
    if (scratch.size() < pb.scratchpad_bytes) scratch.resize(pb.scratchpad_bytes);
    dnnl::memory pad({{dnnl::memory::dim(pb.scratchpad_bytes)}, dt::u8, tag::x}, eng_, scratch.data());
    pb.conv->execute(
        strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCRATCHPAD, pad}});
    strm.wait();
  }

  size_t weight_bytes() const { return weights_md_.get_size(); }

 private:
  static int resolved_threads(int threads) { return threads <= 0 ? hardware_threads() : threads; }

  dnnl::convolution_forward::primitive_desc describe(int batch, const dnnl::memory::desc& wei) const {
    const ConvShape& s = shape_;
    const dnnl::memory::desc src({batch, s.in_c, s.in_h, s.in_w}, src_, tag::nhwc);
    const dnnl::memory::desc dst({batch, s.out_c, s.out_h(), s.out_w()}, dst_, tag::nhwc);
    const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                            src, wei, dst, {s.stride, s.stride}, {s.pad, s.pad}, {s.pad, s.pad});
    // The runtime runs batch chunks on several threads at once through the same primitive:
    // each call brings its own scratchpad, so concurrent calls never share one.
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return dnnl::convolution_forward::primitive_desc(d, attr, eng_);
  }

  ConvShape shape_;
  dt src_, dst_;
  dnnl::engine eng_{dnnl::engine::kind::cpu, 0};
  dnnl::memory::desc weights_md_;
  dnnl::memory weights_;
  mutable std::mutex mu_;
  mutable std::map<std::pair<int, int>, PerBatch> per_batch_;  // (batch, threads)
};

// OHWI weight codes -> OHWI s8 values (validated), oneDNN's plain "ohwi" layout.
std::vector<int8_t> weight_values(const ConvShape& s, int weight_bits, const int8_t* codes) {
  std::vector<int8_t> values(size_t(s.out_c) * s.kernel_h * s.kernel_w * s.in_c);
  for (size_t i = 0; i < values.size(); ++i) {
    check_weight_code(codes[i], weight_bits);
    values[i] = static_cast<int8_t>(weight_code_value(codes[i], weight_bits));
  }
  return values;
}

}  // namespace

struct OnednnConv::State {
  template <class... Args>
  explicit State(Args&&... args) : conv(std::forward<Args>(args)...) {}
  PreparedConv conv;
};

OnednnConv::OnednnConv(const ConvShape& shape, int weight_bits, int act_bits, const int8_t* weight_ohwi)
    : shape_(shape) {
  shape_.batch = 1;
  check_bits(weight_bits, "weight");
  check_bits(act_bits, "activation");
  shape_.validate();
  const std::vector<int8_t> values = weight_values(shape_, weight_bits, weight_ohwi);
  state_ = std::make_unique<State>(shape_, dt::u8, dt::s8, dt::s32, values.data());
}

OnednnConv::~OnednnConv() = default;

void OnednnConv::run_s32(const uint8_t* input, int batch, int32_t* out, int threads) const {
  const PreparedConv::PerBatch& pb = state_->conv.for_batch(batch, threads);
  if (!onednn_impl_is_exact(pb.impl)) {
    throw std::logic_error("oneDNN chose " + pb.impl + " for batch " + std::to_string(batch) +
                           ", which is not exact at every bit width (check exact_for first)");
  }
  state_->conv.execute(pb, input, batch, out, threads);
}

std::string OnednnConv::impl(int batch, int threads) const { return state_->conv.for_batch(batch, threads).impl; }
bool OnednnConv::exact_for(int batch, int threads) const { return onednn_impl_is_exact(impl(batch, threads)); }
size_t OnednnConv::weight_bytes() const { return state_->conv.weight_bytes(); }

struct OnednnConvF32::State {
  template <class... Args>
  explicit State(Args&&... args) : conv(std::forward<Args>(args)...) {}
  PreparedConv conv;
};

OnednnConvF32::OnednnConvF32(const ConvShape& shape, const float* weight_ohwi)
    : state_(std::make_unique<State>(shape, dt::f32, dt::f32, dt::f32, weight_ohwi)) {}

OnednnConvF32::~OnednnConvF32() = default;

void OnednnConvF32::run(const float* input, int batch, float* out, int threads) const {
  state_->conv.execute(state_->conv.for_batch(batch, threads), input, batch, out, threads);
}

#else  // built without oneDNN: never constructed (onednn_conv_tier_enabled() is false)

bool onednn_conv_built() { return false; }
struct OnednnConv::State {};
OnednnConv::OnednnConv(const ConvShape& shape, int, int, const int8_t*) : shape_(shape) {
  throw std::logic_error("wrpn was built without oneDNN: the oneDNN int8 tier is not available");
}
OnednnConv::~OnednnConv() = default;
void OnednnConv::run_s32(const uint8_t*, int, int32_t*, int) const {}
std::string OnednnConv::impl(int, int) const { return {}; }
bool OnednnConv::exact_for(int, int) const { return false; }
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
    detail::requantize_channels(th, accp + size_t(r0) * m, size_t(m), r1 - r0, 0, m, out + size_t(r0) * m, size_t(m));
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
