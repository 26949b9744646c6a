#include "int8_onednn.h"

#include <omp.h>

#include <cstdint>
#include <dnnl.hpp>
#include <unordered_map>
#include <vector>

namespace wrpn::bench {

struct Int8OnednnConv::State {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  std::vector<uint8_t> src;
  std::vector<int8_t> wei;
  std::unique_ptr<dnnl::convolution_forward> conv;
  std::unordered_map<int, dnnl::memory> args;
  std::string impl;
};

Int8OnednnConv::Int8OnednnConv(const wrpn::kernels::ConvShape& s, int threads)
    : state_(std::make_unique<State>()), threads_(threads) {
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  omp_set_num_threads(threads);
  State& st = *state_;
  const dnnl::memory::dims src_dims = {s.batch, s.in_c, s.in_h, s.in_w};
  const dnnl::memory::dims wei_dims = {s.out_c, s.in_c, s.kernel_h, s.kernel_w};
  const dnnl::memory::dims dst_dims = {s.batch, s.out_c, s.out_h(), s.out_w()};
  const dnnl::memory::desc src_md(src_dims, dt::u8, tag::nhwc);
  const dnnl::memory::desc wei_any(wei_dims, dt::s8, tag::any);
  const dnnl::memory::desc dst_md(dst_dims, dt::u8, tag::nhwc);
  dnnl::primitive_attr attr;
  std::vector<float> scales(size_t(s.out_c));
  for (int m = 0; m < s.out_c; ++m) scales[size_t(m)] = 1e-3f * float(1 + m % 7);
  attr.set_output_scales(1 << 1, scales);  // per output channel
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                             src_md, wei_any, dst_md, {s.stride, s.stride}, {s.pad, s.pad},
                                             {s.pad, s.pad});
  const dnnl::convolution_forward::primitive_desc pd(desc, attr, st.eng);
  st.src.resize(size_t(s.batch) * s.in_c * s.in_h * s.in_w);
  st.wei.resize(size_t(s.out_c) * s.in_c * s.kernel_h * s.kernel_w);
  for (size_t i = 0; i < st.src.size(); ++i) st.src[i] = uint8_t((i * 7) % 16);
  for (size_t i = 0; i < st.wei.size(); ++i) st.wei[i] = int8_t(int((i * 5) % 15) - 7);
  dnnl::memory src_m(src_md, st.eng, st.src.data());
  dnnl::memory wei_plain({wei_dims, dt::s8, tag::oihw}, st.eng, st.wei.data());
  dnnl::memory wei_m(pd.weights_desc(), st.eng);
  dnnl::reorder(wei_plain, wei_m).execute(st.strm, wei_plain, wei_m);
  st.strm.wait();
  st.args = {{DNNL_ARG_SRC, src_m}, {DNNL_ARG_WEIGHTS, wei_m}, {DNNL_ARG_DST, dnnl::memory(pd.dst_desc(), st.eng)}};
  st.conv = std::make_unique<dnnl::convolution_forward>(pd);
  st.impl = pd.impl_info_str();
}

Int8OnednnConv::~Int8OnednnConv() = default;

void Int8OnednnConv::run() {
  omp_set_num_threads(threads_);
  state_->conv->execute(state_->strm, state_->args);
  state_->strm.wait();
}

std::string Int8OnednnConv::impl() const { return state_->impl; }

}  // namespace wrpn::bench
