#include "wrpn/kernels/conv.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/thread_pool.h"

namespace wrpn::kernels {
namespace {

void require(bool ok, const char* field, int value, const char* rule) {
  if (!ok) throw std::invalid_argument(std::string("conv ") + field + " = " + std::to_string(value) + " " + rule);
}

// memcpy for the short runs of im2col (a few dozen to a few hundred bytes), where the
// library call's dispatch costs as much as the copy: 32-byte blocks, then the tail.
inline void copy_codes(uint8_t* dst, const uint8_t* src, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) std::memcpy(dst + i, src + i, 32);
  if (i + 16 <= n) {
    std::memcpy(dst + i, src + i, 16);
    i += 16;
  }
  for (; i < n; ++i) dst[i] = src[i];
}

inline void zero_codes(uint8_t* dst, size_t n) {
  static constexpr uint8_t kZeros[32] = {};
  size_t i = 0;
  for (; i + 32 <= n; i += 32) std::memcpy(dst + i, kZeros, 32);
  for (; i < n; ++i) dst[i] = 0;
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

namespace {

void check_conv_plan(const GemmPlan& plan, const ConvShape& s) {
  s.validate();
  if (plan.k != s.gemm_k()) {
    throw std::invalid_argument("plan K = " + std::to_string(plan.k) + " but conv K = " + std::to_string(s.gemm_k()));
  }
}

// Re-shapes `pa` for `rows` im2col rows of this plan, reusing its buffer when it is large
// enough; the rows past `rows` (AMX tile padding) read as code 0.
void shape_packed_rows(const GemmPlan& plan, int rows, PackedActivations& pa) {
  const size_t stride = round_up(size_t(plan.k), kByteRowPadElements);
  const size_t rows_alloc = size_t(packed_activation_rows(plan, rows));
  if (pa.bytes.data.size() >= rows_alloc * stride) {
    // A fresh allocation per call costs page faults. Every byte of rows [0, rows) is
    // written by the packer.
    pa.bytes.rows = rows;
    pa.bytes.k = plan.k;
    pa.bytes.stride = stride;
    std::memset(pa.bytes.data.data() + size_t(rows) * stride, 0, (rows_alloc - size_t(rows)) * stride);
    pa.plan = plan;
    pa.n = rows;
  } else {
    pa = alloc_packed_activations(plan, rows);
  }
}

// im2col rows [row0, row1) of the whole matrix into rows [0, row1 - row0) of `pa`
// (already shaped), without validating the input (the callers do, once).
void pack_im2col_rows(const GemmPlan& plan, const ConvShape& s, const uint8_t* input, int row0, int row1,
                      PackedActivations& pa) {
  const int oh = s.out_h(), ow = s.out_w();
  const size_t stride = pa.bytes.stride;
  const size_t run = size_t(s.in_c);                // contiguous codes per (ky, kx)
  const size_t tap_row = size_t(s.kernel_w) * run;  // one kernel row of an im2col row
  // (b, oy, ox) of row0, then stepped: a division per row would cost more than its copies.
  int b = row0 / (oh * ow), oy = row0 / ow % oh, ox = row0 % ow;
  for (int row = row0; row < row1; ++row, ++ox) {
    if (ox == ow) {
      ox = 0;
      if (++oy == oh) {
        oy = 0;
        ++b;
      }
    }
    uint8_t* dst = pa.bytes.row(row - row0);
    // Taps kx in [kx0, kx1) fall inside the input row and are contiguous in NHWC
    // (and in the im2col row): one copy per kernel row; padding taps are code 0.
    const int ix0 = ox * s.stride - s.pad;
    const int kx0 = std::max(0, -ix0);
    const int kx1 = std::max(kx0, std::min(s.kernel_w, s.in_w - ix0));
    for (int ky = 0; ky < s.kernel_h; ++ky) {
      uint8_t* seg = dst + size_t(ky) * tap_row;
      const int iy = oy * s.stride - s.pad + ky;
      if (iy < 0 || iy >= s.in_h || kx1 == kx0) {
        zero_codes(seg, tap_row);
        continue;
      }
      const uint8_t* src = input + ((size_t(b) * s.in_h + iy) * s.in_w + ix0 + kx0) * s.in_c;
      if (kx0 > 0) zero_codes(seg, size_t(kx0) * run);
      copy_codes(seg + size_t(kx0) * run, src, size_t(kx1 - kx0) * run);
      if (kx1 < s.kernel_w) zero_codes(seg + size_t(kx1) * run, size_t(s.kernel_w - kx1) * run);
    }
    zero_codes(dst + plan.k, stride - size_t(plan.k));  // K padding
  }
}

// im2col rows per block of the blocked convolution: about kConvBlockBytes of packed rows,
// so a block stays in L2 between its packing and its GEMM; whole pairs of AMX tiles.
constexpr size_t kConvBlockBytes = 192 * 1024;

int conv_block_rows(const GemmPlan& plan) {
  const size_t stride = round_up(size_t(plan.k), kByteRowPadElements);
  const size_t rows = std::max<size_t>(64, kConvBlockBytes / stride / 64 * 64);
  return static_cast<int>(std::min<size_t>(rows, 1024));
}

// True when a convolution of n rows runs as one matrix (too few blocks for every thread).
bool conv_runs_whole(int n, int rows, int threads) {
  const int blocks = (n + rows - 1) / rows;
  return blocks < 2 * threads && threads > 1;
}

// Runs gemm_fn(block_activations, first_row) over the im2col matrix in blocks spread over
// threads, or over the whole matrix at once when there are too few blocks to share.
template <class GemmFn>
void conv_blocked(const PackedWeights& w, const ConvShape& s, const uint8_t* input, int threads,
                  const GemmFn& gemm_fn) {
  check_conv_plan(w.plan, s);
  check_act_codes(input, size_t(s.batch) * s.in_h * s.in_w * s.in_c, w.plan.act_bits);
  if (threads <= 0) threads = hardware_threads();
  const int n = s.gemm_n();
  const int rows = conv_block_rows(w.plan);
  const int blocks = (n + rows - 1) / rows;
  if (conv_runs_whole(n, rows, threads)) {
    // Too few blocks for every thread: one matrix, the GEMM splits channels over threads.
    thread_local PackedActivations whole;
    shape_packed_rows(w.plan, n, whole);
    pack_im2col_rows(w.plan, s, input, 0, n, whole);
    finish_packed_activations(whole);
    gemm_fn(whole, 0, threads);
    return;
  }
  parallel_for(blocks, threads, [&](int blk) {
    thread_local PackedActivations block;
    const int r0 = blk * rows, r1 = std::min(n, r0 + rows);
    shape_packed_rows(w.plan, r1 - r0, block);
    pack_im2col_rows(w.plan, s, input, r0, r1, block);
    finish_packed_activations(block);
    gemm_fn(block, r0, 1);
  });
}

}  // namespace

void im2col_pack_into(const GemmPlan& plan, const ConvShape& s, const uint8_t* input, PackedActivations& pa) {
  check_conv_plan(plan, s);
  // Validate the input once: im2col copies each code up to kernel_h * kernel_w times.
  check_act_codes(input, size_t(s.batch) * s.in_h * s.in_w * s.in_c, plan.act_bits);
  shape_packed_rows(plan, s.gemm_n(), pa);
  pack_im2col_rows(plan, s, input, 0, s.gemm_n(), pa);
  finish_packed_activations(pa);
}

size_t conv_scratch_bytes(const GemmPlan& plan, const ConvShape& s, int threads) {
  if (threads <= 0) threads = hardware_threads();
  const size_t stride = round_up(size_t(plan.k), kByteRowPadElements);
  const int n = s.gemm_n(), rows = conv_block_rows(plan);
  if (conv_runs_whole(n, rows, threads)) return size_t(packed_activation_rows(plan, n)) * stride;
  return size_t(std::min(threads, (n + rows - 1) / rows)) * size_t(packed_activation_rows(plan, std::min(n, rows))) *
         stride;
}

void conv_requantize(const PackedWeights& w, const ConvShape& s, const uint8_t* input, const RequantizeThresholds& th,
                     uint8_t* out, int threads) {
  const size_t m = size_t(w.m);
  conv_blocked(w, s, input, threads, [&](const PackedActivations& a, int r0, int t) {
    gemm_requantize(w, a, th, out + size_t(r0) * m, m, t);
  });
}

void conv_dequantize(const PackedWeights& w, const ConvShape& s, const uint8_t* input, const ChannelAffine& affine,
                     float* out, int threads) {
  const size_t m = size_t(w.m);
  conv_blocked(w, s, input, threads, [&](const PackedActivations& a, int r0, int t) {
    gemm_dequantize(w, a, affine, out + size_t(r0) * m, m, t);
  });
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

void conv2d_s32_ref(int weight_bits, int act_bits, const ConvShape& s, const uint8_t* input, const int8_t* weight,
                    int32_t* out) {
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
