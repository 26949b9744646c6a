#include "int8_onednn.h"

#include <omp.h>

#include <cstdint>
#include <dnnl.hpp>
#include <unordered_map>
#include <vector>

#include "bench_timing.h"

namespace wrpn::bench {

Int8ConvTiming int8_onednn_conv(const wrpn::kernels::ConvShape& s, int threads) {
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  omp_set_num_threads(threads);
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
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
  const dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md, wei_any, dst_md,
      {s.stride, s.stride}, {s.pad, s.pad}, {s.pad, s.pad});
  const dnnl::convolution_forward::primitive_desc pd(desc, attr, eng);

  std::vector<uint8_t> src(size_t(s.batch) * s.in_c * s.in_h * s.in_w);
  std::vector<int8_t> wei(size_t(s.out_c) * s.in_c * s.kernel_h * s.kernel_w);
  for (size_t i = 0; i < src.size(); ++i) src[i] = uint8_t((i * 7) % 16);
  for (size_t i = 0; i < wei.size(); ++i) wei[i] = int8_t(int((i * 5) % 15) - 7);
  dnnl::memory src_m(src_md, eng, src.data());
  dnnl::memory wei_plain({wei_dims, dt::s8, tag::oihw}, eng, wei.data());
  dnnl::memory wei_m(pd.weights_desc(), eng);
  dnnl::reorder(wei_plain, wei_m).execute(strm, wei_plain, wei_m);
  dnnl::memory dst_m(pd.dst_desc(), eng);
  const dnnl::convolution_forward conv(pd);
  const std::unordered_map<int, dnnl::memory> args = {
      {DNNL_ARG_SRC, src_m}, {DNNL_ARG_WEIGHTS, wei_m}, {DNNL_ARG_DST, dst_m}};
  Int8ConvTiming t;
  t.seconds = best_seconds([&] {
    conv.execute(strm, args);
    strm.wait();
  });
  t.impl = pd.impl_info_str();
  return t;
}

}  // namespace wrpn::bench
