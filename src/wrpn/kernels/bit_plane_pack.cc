// Bit-plane packing, written once with Highway; reference twin at the bottom.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "wrpn/kernels/bit_plane_pack.cc"
#include "wrpn/kernels/hwy_config.h"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "wrpn/kernels/bit_plane_pack.h"
#include "wrpn/kernels/codes.h"

HWY_BEFORE_NAMESPACE();
namespace wrpn::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void PackBitPlanesImpl(const ByteRows<uint8_t>* src_ptr, BitPlaneRows* dst_ptr, int32_t* sums) {
  const ByteRows<uint8_t>& src = *src_ptr;
  BitPlaneRows& dst = *dst_ptr;
#if HWY_TARGET == HWY_SCALAR
  for (int r = 0; r < src.rows; ++r) {
    const uint8_t* row = src.row(r);
    int32_t sum = 0;
    for (int k = 0; k < src.k; ++k) {
      sum += row[k];
      for (int p = 0; p < dst.planes; ++p) dst.plane(r, p)[k / 64] |= uint64_t((row[k] >> p) & 1u) << (k % 64);
    }
    sums[r] = sum;
  }
#else
  const hn::ScalableTag<uint8_t> d8;
  const hn::Repartition<uint64_t, decltype(d8)> d64;
  const size_t L = hn::Lanes(d8);  // >= 16: each vector becomes L/8 whole bytes of a plane
  const size_t k_end = round_up(size_t(src.k), L);
  for (int r = 0; r < src.rows; ++r) {
    const uint8_t* row = src.row(r);
    auto sum = hn::Zero(d64);
    for (size_t k = 0; k < k_end; k += L) {
      const auto v = hn::Load(d8, row + k);  // padding codes are zero, so over-read is harmless
      sum = hn::Add(sum, hn::SumsOf8(v));
      for (int p = 0; p < dst.planes; ++p) {
        const auto bit = hn::Set(d8, uint8_t(1u << p));
        // Lane i -> bit i: the planes' little-endian words get code k at bit k % 64.
        uint8_t* out = reinterpret_cast<uint8_t*>(dst.plane(r, p)) + k / 8;
        hn::StoreMaskBits(d8, hn::Ne(hn::And(v, bit), hn::Zero(d8)), out);
      }
    }
    sums[r] = static_cast<int32_t>(hn::GetLane(hn::SumOfLanes(d64, sum)));
  }
#endif
}

}  // namespace HWY_NAMESPACE
}  // namespace wrpn::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wrpn::kernels {

HWY_EXPORT(PackBitPlanesImpl);

namespace {
void check_shapes(const ByteRows<uint8_t>& src, const BitPlaneRows& dst) {
  if (dst.rows != src.rows || dst.k != src.k || dst.planes < 1 || dst.planes > 8) {
    throw std::invalid_argument("bit-plane destination " + std::to_string(dst.rows) + "x" + std::to_string(dst.k) +
                                "x" + std::to_string(dst.planes) + " does not fit source " + std::to_string(src.rows) +
                                "x" + std::to_string(src.k));
  }
}
}  // namespace

void pack_bit_planes(const ByteRows<uint8_t>& src, BitPlaneRows& dst, int32_t* sums) {
  check_shapes(src, dst);
  HWY_DYNAMIC_DISPATCH(PackBitPlanesImpl)(&src, &dst, sums);
}

void pack_bit_planes_ref(const ByteRows<uint8_t>& src, BitPlaneRows& dst, int32_t* sums) {
  check_shapes(src, dst);
  for (int r = 0; r < src.rows; ++r) {
    const uint8_t* row = src.row(r);
    int32_t sum = 0;
    for (int k = 0; k < src.k; ++k) {
      sum += row[k];
      for (int p = 0; p < dst.planes; ++p)
        if ((row[k] >> p) & 1u) dst.plane(r, p)[k / kBitsPerWord] |= uint64_t{1} << (k % kBitsPerWord);
    }
    sums[r] = sum;
  }
}

}  // namespace wrpn::kernels
#endif  // HWY_ONCE
