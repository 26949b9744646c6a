// Packing of weights (once, ahead of time) and activations into the formats of
// format_byte_rows.h and format_bit_planes.h.
#include <cstring>
#include <stdexcept>
#include <string>

#include "wrpn/kernels/bit_plane_pack.h"
#include "wrpn/kernels/codes.h"
#include "wrpn/kernels/gemm.h"

namespace wrpn::kernels {
namespace {

void check_count(int count, const char* what) {
  if (count < 1) throw std::invalid_argument(std::string(what) + " must be >= 1, got " + std::to_string(count));
}

void check_stride(size_t ld, int k, const char* what) {
  if (ld < size_t(k)) {
    throw std::invalid_argument(std::string(what) + " row stride " + std::to_string(ld) +
                                " is less than K = " + std::to_string(k));
  }
}

// Sets bit k of `planes` consecutive planes of one row from the bits of `code`.
void scatter_bits(BitPlaneRows& rows, int r, int k, unsigned code) {
  for (int p = 0; p < rows.planes; ++p) {
    if ((code >> p) & 1u) rows.plane(r, p)[k / kBitsPerWord] |= uint64_t{1} << (k % kBitsPerWord);
  }
}

}  // namespace

BitPlaneRows split_nibbles(const BitPlaneRows& src) {
  BitPlaneRows dst(src.rows, src.k, 2 * src.planes);
  constexpr uint64_t kLow = 0x0F0F0F0F0F0F0F0Full;
  for (int r = 0; r < src.rows; ++r)
    for (int p = 0; p < src.planes; ++p) {
      const uint64_t* in = src.plane(r, p);
      uint64_t* lo = dst.plane(r, 2 * p);
      uint64_t* hi = dst.plane(r, 2 * p + 1);
      for (size_t w = 0; w < src.words_per_plane; ++w) {
        lo[w] = in[w] & kLow;
        hi[w] = (in[w] >> 4) & kLow;
      }
    }
  return dst;
}

PackedWeights pack_weights(const GemmPlan& plan, const int8_t* weights, int m, size_t ldw) {
  check_count(m, "weight rows (M)");
  check_stride(ldw, plan.k, "weight");
  PackedWeights pw;
  pw.plan = plan;
  pw.m = m;
  const int n_max = weight_code_max(plan.weight_bits);
  switch (plan.variant) {
    case GemmVariant::kBitplanePopcount:
    case GemmVariant::kBitplaneNibbleLut:
      pw.bits = BitPlaneRows(m, plan.k, plan.weight_bits);
      for (int r = 0; r < m; ++r)
        for (int k = 0; k < plan.k; ++k) {
          const int w = weights[size_t(r) * ldw + k];
          check_weight_code(w, plan.weight_bits);
          // Offset binary: u = w + n (0..2n); sign weights: bit 1 for +1.
          const unsigned u = plan.weight_bits == 1 ? (w >= 0 ? 1u : 0u) : unsigned(w + n_max);
          scatter_bits(pw.bits, r, k, u);
        }
      if (plan.variant == GemmVariant::kBitplaneNibbleLut) pw.bits = split_nibbles(pw.bits);
      break;
    case GemmVariant::kQuadChannelLanes:
      pw.quads = ChannelQuads(m, plan.k);
      for (int r = 0; r < m; ++r)
        for (int k = 0; k < plan.k; ++k) {
          const int w = weights[size_t(r) * ldw + k];
          check_weight_code(w, plan.weight_bits);
          pw.quads.at(k, r) = static_cast<int8_t>(weight_code_value(w, plan.weight_bits));
        }
      break;
    case GemmVariant::kAmxTiles:
      pw.tiles = AmxTiles(m, plan.k);
      for (int r = 0; r < m; ++r)
        for (int k = 0; k < plan.k; ++k) {
          const int w = weights[size_t(r) * ldw + k];
          check_weight_code(w, plan.weight_bits);
          pw.tiles.at(k, r) = static_cast<int8_t>(weight_code_value(w, plan.weight_bits));
        }
      break;
    case GemmVariant::kMaddS16:
      pw.words = ByteRows<int16_t>(m, plan.k);
      for (int r = 0; r < m; ++r)
        for (int k = 0; k < plan.k; ++k) {
          const int w = weights[size_t(r) * ldw + k];
          check_weight_code(w, plan.weight_bits);
          pw.words.row(r)[k] = static_cast<int16_t>(weight_code_value(w, plan.weight_bits));
        }
      break;
    default:
      pw.bytes = ByteRows<int8_t>(m, plan.k);
      for (int r = 0; r < m; ++r)
        for (int k = 0; k < plan.k; ++k) {
          const int w = weights[size_t(r) * ldw + k];
          check_weight_code(w, plan.weight_bits);
          pw.bytes.row(r)[k] = static_cast<int8_t>(weight_code_value(w, plan.weight_bits));
        }
      break;
  }
  return pw;
}

int packed_activation_rows(const GemmPlan& plan, int n) {
  if (plan.variant != GemmVariant::kAmxTiles) return n;
  return static_cast<int>(round_up(size_t(n), kAmxPixelRowsPad));
}

PackedActivations alloc_packed_activations(const GemmPlan& plan, int n) {
  check_count(n, "activation rows (N)");
  PackedActivations pa;
  pa.plan = plan;
  pa.n = n;
  pa.bytes = ByteRows<uint8_t>(packed_activation_rows(plan, n), plan.k);
  pa.bytes.rows = n;  // the extra rows are zero padding the tile loads may read
  return pa;
}

void finish_packed_activations(PackedActivations& pa) {
  if (!is_bitplane_variant(pa.plan.variant)) return;
  pa.bits = BitPlaneRows(pa.n, pa.plan.k, pa.plan.act_bits);
  pa.code_sums.assign(pa.n, 0);
  pack_bit_planes(pa.bytes, pa.bits, pa.code_sums.data());
  if (pa.plan.variant == GemmVariant::kBitplaneNibbleLut) pa.bits = split_nibbles(pa.bits);
}

PackedActivations pack_activations(const GemmPlan& plan, const uint8_t* acts, int n, size_t lda) {
  check_stride(lda, plan.k, "activation");
  PackedActivations pa = alloc_packed_activations(plan, n);
  for (int r = 0; r < n; ++r) {
    const uint8_t* src = acts + size_t(r) * lda;
    check_act_codes(src, size_t(plan.k), plan.act_bits);
    std::memcpy(pa.bytes.row(r), src, size_t(plan.k));
  }
  finish_packed_activations(pa);
  return pa;
}

}  // namespace wrpn::kernels
