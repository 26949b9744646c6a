#include "wrpn/kernels/int8_conv_forward.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(WRPN_WITH_ONEDNN)
#include <omp.h>

#include <dnnl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>
#endif

namespace wrpn::kernels {
namespace {

std::atomic<bool>& disabled_flag() {
  static std::atomic<bool> flag{[] {
    const char* env = std::getenv("WRPN_DISABLE_INT8_FORWARD");
    return env != nullptr && *env != '\0' && std::strcmp(env, "0") != 0;
  }()};
  return flag;
}

}  // namespace

void set_int8_forward_disabled(bool disabled) { disabled_flag() = disabled; }

#if defined(WRPN_WITH_ONEDNN)

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

// One shape's primitive and the layouts oneDNN chose for it; made on first use, then reused
// for every step (the weights change each step, so they are reordered on each call).
struct Prepared {
  dnnl::convolution_forward conv;
  dnnl::memory::desc src_md, wei_md, dst_md, src_plain, wei_plain, dst_plain;
  std::string impl;
  size_t scratchpad_bytes = 0;
  bool exact = false;
};

using Key = std::tuple<int, int, int, int, int, int, int, int, int>;

Key key_of(const ConvShape& s) {
  return {s.batch, s.in_c, s.in_h, s.in_w, s.out_c, s.kernel_h, s.kernel_w, s.stride, s.pad};
}

dnnl::engine& engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

const Prepared& prepared(const ConvShape& s) {
  static std::mutex mu;
  static std::map<Key, std::unique_ptr<Prepared>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[key_of(s)];
  if (slot) return *slot;
  s.validate();
  const dnnl::memory::dims src_dims = {s.batch, s.in_c, s.in_h, s.in_w};
  const dnnl::memory::dims wei_dims = {s.out_c, s.in_c, s.kernel_h, s.kernel_w};
  const dnnl::memory::dims dst_dims = {s.batch, s.out_c, s.out_h(), s.out_w()};
  const dnnl::convolution_forward::desc d(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
      dnnl::memory::desc(src_dims, dt::u8, tag::any), dnnl::memory::desc(wei_dims, dt::s8, tag::any),
      dnnl::memory::desc(dst_dims, dt::f32, tag::any), {s.stride, s.stride}, {s.pad, s.pad}, {s.pad, s.pad});
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::convolution_forward::primitive_desc pd(d, attr, engine());
  auto p = std::make_unique<Prepared>();
  p->conv = dnnl::convolution_forward(pd);
  p->src_md = pd.src_desc();
  p->wei_md = pd.weights_desc();
  p->dst_md = pd.dst_desc();
  p->src_plain = dnnl::memory::desc(src_dims, dt::u8, tag::nchw);
  p->wei_plain = dnnl::memory::desc(wei_dims, dt::s8, tag::oihw);
  p->dst_plain = dnnl::memory::desc(dst_dims, dt::f32, tag::nchw);
  p->impl = pd.impl_info_str();
  p->scratchpad_bytes = pd.scratchpad_desc().get_size();
  p->exact = p->impl.find("amx") != std::string::npos || p->impl.find("vnni") != std::string::npos;
  slot = std::move(p);
  return *slot;
}

// `plain` as the layout `md`: the plain buffer itself when they agree, else a reorder into
// `storage` (kept per thread between calls).
dnnl::memory as_layout(const dnnl::memory::desc& md, const dnnl::memory::desc& plain_md, void* plain,
                       std::vector<uint8_t>& storage, dnnl::stream& strm) {
  dnnl::memory plain_mem(plain_md, engine(), plain);
  if (md == plain_md) return plain_mem;
  if (storage.size() < md.get_size()) storage.resize(md.get_size());
  dnnl::memory out(md, engine(), storage.data());
  dnnl::reorder(plain_mem, out).execute(strm, plain_mem, out);
  return out;
}

}  // namespace

bool int8_forward_available() { return !disabled_flag(); }

std::string int8_conv_forward_impl(const ConvShape& shape) { return prepared(shape).impl; }

bool int8_conv_forward(const ConvShape& s, const uint8_t* src, const int8_t* wei, const float* scales, int scale_count,
                       float* dst, int threads) {
  if (!int8_forward_available()) return false;
  if (scale_count != 1 && scale_count != s.out_c) return false;
  const Prepared& p = prepared(s);
  if (!p.exact) return false;
  if (threads > 0) omp_set_num_threads(threads);
  dnnl::stream strm(engine());
  thread_local std::vector<uint8_t> src_buf, wei_buf, dst_buf, scratch;
  const dnnl::memory src_mem = as_layout(p.src_md, p.src_plain, const_cast<uint8_t*>(src), src_buf, strm);
  const dnnl::memory wei_mem = as_layout(p.wei_md, p.wei_plain, const_cast<int8_t*>(wei), wei_buf, strm);
  const bool dst_plain = p.dst_md == p.dst_plain;
  if (!dst_plain && dst_buf.size() < p.dst_md.get_size()) dst_buf.resize(p.dst_md.get_size());
  dnnl::memory dst_mem(p.dst_md, engine(), dst_plain ? static_cast<void*>(dst) : dst_buf.data());
  const size_t pad_bytes = p.scratchpad_bytes;
  if (scratch.size() < pad_bytes) scratch.resize(pad_bytes);
  dnnl::memory pad({{dnnl::memory::dim(pad_bytes)}, dt::u8, tag::x}, engine(), scratch.data());
  p.conv.execute(
      strm,
      {{DNNL_ARG_SRC, src_mem}, {DNNL_ARG_WEIGHTS, wei_mem}, {DNNL_ARG_DST, dst_mem}, {DNNL_ARG_SCRATCHPAD, pad}});
  if (!dst_plain) {
    dnnl::memory out(p.dst_plain, engine(), dst);
    dnnl::reorder(dst_mem, out).execute(strm, dst_mem, out);
  }
  strm.wait();
  // Sums are exact integers (below 2^24 they are exact floats too); one rounding per output.
  const size_t plane = size_t(s.out_h()) * s.out_w();
  for (int n = 0; n < s.batch; ++n) {
    for (int o = 0; o < s.out_c; ++o) {
      const float scale = scales[scale_count == 1 ? 0 : o];
      float* d = dst + (size_t(n) * s.out_c + o) * plane;
      for (size_t i = 0; i < plane; ++i) d[i] *= scale;
    }
  }
  return true;
}

#else  // built without oneDNN

bool int8_forward_available() { return false; }
std::string int8_conv_forward_impl(const ConvShape&) { return {}; }
bool int8_conv_forward(const ConvShape&, const uint8_t*, const int8_t*, const float*, int, float*, int) {
  return false;
}

#endif

}  // namespace wrpn::kernels
