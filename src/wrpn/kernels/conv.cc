#include "wrpn/kernels/conv.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "wrpn/kernels/codes.h"

namespace wrpn::kernels {
namespace {

void require(bool ok, const char* field, int value, const char* rule) {
  if (!ok) throw std::invalid_argument(std::string("conv ") + field + " = " + std::to_string(value) + " " + rule);
}

}  // namespace

void ConvShape::validate() const {
  require(batch >= 1, "batch", batch, "must be >= 1");
  require(in_h >= 1, "in_h", in_h, "must be >= 1");
  require(in_w >= 1, "in_w", in_w, "must be >= 1");
  require(in_c >= 1, "in_c", in_c, "must be >= 1");
  require(out_c >= 1, "out_c", out_c, "must be >= 1");
  require(kernel_h >= 1, "kernel_h", kernel_h, "must be >= 1");
  require(kernel_w >= 1, "kernel_w", kernel_w, "must be >= 1");
  require(stride >= 1, "stride", stride, "must be >= 1");
  require(pad >= 0, "pad", pad, "must be >= 0");
  require(in_h + 2 * pad >= kernel_h, "kernel_h", kernel_h, "exceeds the padded input height");
  require(in_w + 2 * pad >= kernel_w, "kernel_w", kernel_w, "exceeds the padded input width");
}

void im2col_pack_into(const GemmPlan& plan, const ConvShape& s, const uint8_t* input, PackedActivations& pa) {
  s.validate();
  if (plan.k != s.gemm_k()) {
    throw std::invalid_argument("plan K = " + std::to_string(plan.k) + " but conv K = " + std::to_string(s.gemm_k()));
  }
  // Validate the input once: im2col copies each code up to kernel_h * kernel_w times.
  check_act_codes(input, size_t(s.batch) * s.in_h * s.in_w * s.in_c, plan.act_bits);
  const int n = s.gemm_n();
  const size_t stride = round_up(size_t(plan.k), kByteRowPadElements);
  const size_t rows_alloc = size_t(packed_activation_rows(plan, n));
  if (pa.bytes.data.size() >= rows_alloc * stride) {
    // Reuse the caller's buffer (a fresh allocation per call costs page faults): re-shape
    // it for this layer and zero the rows, since padding taps must read as code 0.
    pa.bytes.rows = n;
    pa.bytes.k = plan.k;
    pa.bytes.stride = stride;
    std::memset(pa.bytes.data.data(), 0, rows_alloc * stride);
    pa.plan = plan;
    pa.n = n;
  } else {
    pa = alloc_packed_activations(plan, n);
  }
  const int oh = s.out_h(), ow = s.out_w();
  const size_t run = size_t(s.in_c);  // contiguous codes per (ky, kx)
  int row = 0;
  for (int b = 0; b < s.batch; ++b) {
    for (int oy = 0; oy < oh; ++oy) {
      for (int ox = 0; ox < ow; ++ox, ++row) {
        uint8_t* dst = pa.bytes.row(row);  // zeroed: padding taps stay code 0
        // Taps kx in [kx0, kx1) fall inside the input row and are contiguous in NHWC
        // (and in the im2col row): one copy per kernel row.
        const int ix0 = ox * s.stride - s.pad;
        const int kx0 = std::max(0, -ix0);
        const int kx1 = std::min(s.kernel_w, s.in_w - ix0);
        if (kx1 <= kx0) continue;
        for (int ky = 0; ky < s.kernel_h; ++ky) {
          const int iy = oy * s.stride - s.pad + ky;
          if (iy < 0 || iy >= s.in_h) continue;
          const uint8_t* src = input + ((size_t(b) * s.in_h + iy) * s.in_w + ix0 + kx0) * s.in_c;
          std::memcpy(dst + (size_t(ky) * s.kernel_w + kx0) * run, src, size_t(kx1 - kx0) * run);
        }
      }
    }
  }
  finish_packed_activations(pa);
}

PackedActivations im2col_pack(const GemmPlan& plan, const ConvShape& s, const uint8_t* input) {
  PackedActivations pa;
  im2col_pack_into(plan, s, input, pa);
  return pa;
}

PackedWeights pack_conv_weights(const GemmPlan& plan, const ConvShape& s, const int8_t* weight_ohwi) {
  s.validate();
  if (plan.k != s.gemm_k()) {
    throw std::invalid_argument("plan K = " + std::to_string(plan.k) + " but conv K = " + std::to_string(s.gemm_k()));
  }
  return pack_weights(plan, weight_ohwi, s.out_c, size_t(s.gemm_k()));
}

void reorder_oihw_to_ohwi(const int8_t* oihw, int out_c, int in_c, int kernel_h, int kernel_w, int8_t* ohwi) {
  for (int o = 0; o < out_c; ++o)
    for (int i = 0; i < in_c; ++i)
      for (int y = 0; y < kernel_h; ++y)
        for (int x = 0; x < kernel_w; ++x)
          ohwi[((size_t(o) * kernel_h + y) * kernel_w + x) * in_c + i] =
              oihw[((size_t(o) * in_c + i) * kernel_h + y) * kernel_w + x];
}

void conv2d_s32_ref(int weight_bits, int act_bits, const ConvShape& s, const uint8_t* input,
                    const int8_t* weight, int32_t* out) {
  s.validate();
  check_bits(weight_bits, "weight");
  check_bits(act_bits, "activation");
  const int oh = s.out_h(), ow = s.out_w();
  for (int b = 0; b < s.batch; ++b)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int o = 0; o < s.out_c; ++o) {
          int64_t sum = 0;
          for (int ky = 0; ky < s.kernel_h; ++ky)
            for (int kx = 0; kx < s.kernel_w; ++kx) {
              const int iy = oy * s.stride - s.pad + ky, ix = ox * s.stride - s.pad + kx;
              if (iy < 0 || iy >= s.in_h || ix < 0 || ix >= s.in_w) continue;  // zero padding
              for (int c = 0; c < s.in_c; ++c) {
                const int a = input[((size_t(b) * s.in_h + iy) * s.in_w + ix) * s.in_c + c];
                const int w = weight[((size_t(o) * s.kernel_h + ky) * s.kernel_w + kx) * s.in_c + c];
                check_act_code(a, act_bits);
                check_weight_code(w, weight_bits);
                sum += int64_t(weight_code_value(w, weight_bits)) * a;
              }
            }
          out[((size_t(b) * oh + oy) * ow + ox) * s.out_c + o] = static_cast<int32_t>(sum);
        }
}

}  // namespace wrpn::kernels
