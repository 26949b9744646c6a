// Packed low-bit GEMM: out[n][m] = sum_k W[m][k] * A[n][k], exact in int32.
//   W: M x K weight codes (int8, -n..n, or signs at 1 bit), packed once;
//   A: N x K activation codes (uint8), K-contiguous rows = NHWC im2col rows;
//   out: N x M, channels innermost (NHWC), so it feeds the next layer directly.
// In conv terms M = output channels, N = batch * out_h * out_w, K = kh * kw * in_c.
#pragma once

#include <cstdint>
#include <vector>

#include "wrpn/kernels/format_bit_planes.h"
#include "wrpn/kernels/format_amx_tiles.h"
#include "wrpn/kernels/format_byte_rows.h"
#include "wrpn/kernels/format_channel_quads.h"
#include "wrpn/kernels/gemm_variant.h"
#include "wrpn/kernels/output_transform.h"

namespace wrpn::kernels {

// What a layer's GEMM computes and how: fixed when the weights are packed.
struct GemmPlan {
  int weight_bits = 0;  // k_w, 1..8
  int act_bits = 0;     // k_a, 1..8
  int k = 0;            // reduction length
  GemmVariant variant = GemmVariant::kMaddU8S8Acc32;
};

// Chooses the variant with select_gemm_variant; throws on bad bits or k < 1, or
// when K * (2^k_a - 1) * n could overflow int32 accumulators.
GemmPlan make_gemm_plan(int weight_bits, int act_bits, int k);
// Same, with the variant forced (tests, benchmarks); throws if it is not exact for the pair.
GemmPlan make_gemm_plan(int weight_bits, int act_bits, int k, GemmVariant variant);

// Weights packed ahead of time for one plan. Exactly one of the formats is filled.
struct PackedWeights {
  GemmPlan plan;
  int m = 0;                // output channels
  ByteRows<int8_t> bytes;   // kMaddU8S8Acc16/Acc32, kDotU8S8
  ByteRows<int16_t> words;  // kMaddS16
  BitPlaneRows bits;        // bit-plane variants (offset binary; nibble-split for kBitplaneNibbleLut)
  ChannelQuads quads;       // kQuadChannelLanes
  AmxTiles tiles;           // kAmxTiles
};

// Activations packed for one plan. `bytes` is always filled (the kernel format of
// the madd/dot variants, the staging rows of the bit-plane variants).
struct PackedActivations {
  GemmPlan plan;
  int n = 0;                       // pixels
  ByteRows<uint8_t> bytes;         // every variant (see above); kAmxTiles: rows padded to 32, zero
  BitPlaneRows bits;               // bit-plane variants (nibble-split for kBitplaneNibbleLut)
  std::vector<int32_t> code_sums;  // sum_k A[n][k], for the offset-binary correction (bit-planes only)
};

// Packs an M x K row-major matrix of weight codes (row stride ldw >= K). Validates every code.
PackedWeights pack_weights(const GemmPlan& plan, const int8_t* weights, int m, size_t ldw);

// Packs an N x K row-major matrix of activation codes (row stride lda >= K). Validates every code.
PackedActivations pack_activations(const GemmPlan& plan, const uint8_t* acts, int n, size_t lda);

// Allocates empty (zero) packed activations; fill `bytes` rows directly (im2col does)
// with valid codes, leaving the padding zero, then call finish_packed_activations.
PackedActivations alloc_packed_activations(const GemmPlan& plan, int n);
// Rows to allocate for n pixels: n, or n rounded up to whole pairs of AMX tiles (zero rows).
int packed_activation_rows(const GemmPlan& plan, int n);
// For bit-plane plans: packs the byte rows into planes and computes the code sums
// (a no-op for the byte variants). Does not re-validate codes.
void finish_packed_activations(PackedActivations& acts);

// int32 accumulators: out[n * ldo + m]. threads: 0 = all hardware threads.
void gemm_s32(const PackedWeights& w, const PackedActivations& a, int32_t* out, size_t ldo, int threads = 1);

// GEMM with the next layer's quantizer fused per output block (the int32 block
// stays in cache): out[n * ldo + m] = uint8 codes. th.channels must equal M.
void gemm_requantize(const PackedWeights& w, const PackedActivations& a, const RequantizeThresholds& th, uint8_t* out,
                     size_t ldo, int threads = 1);

// GEMM with the float output fused: out[n * ldo + m] = float(acc) * scale[m] + bias[m].
void gemm_dequantize(const PackedWeights& w, const PackedActivations& a, const ChannelAffine& affine, float* out,
                     size_t ldo, int threads = 1);

}  // namespace wrpn::kernels
