// Per-target integer dot-product shims (Highway 1.0.3 lacks these ops), mapped
// to one x86 instruction where one exists, with a portable Highway fallback.
// Included INSIDE namespace HWY_NAMESPACE by each per-target translation unit;
// like Highway's own -inl headers it has a toggling include guard. Needs
// `namespace hn = hwy::HWY_NAMESPACE;` in scope.
#if defined(WRPN_KERNELS_INT_DOT_SHIMS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef WRPN_KERNELS_INT_DOT_SHIMS_INL_H_
#undef WRPN_KERNELS_INT_DOT_SHIMS_INL_H_
#else
#define WRPN_KERNELS_INT_DOT_SHIMS_INL_H_
#endif

#if HWY_TARGET != HWY_SCALAR
// Ops Highway 1.0.3 lacks, mapped to one instruction where x86 has it.

// vpmaddubsw: u8 x s8 adjacent pairs summed into saturating int16.
template <class DI16, class VU8, class VI8>
HWY_INLINE hn::Vec<DI16> MaddPairsU8S8(DI16 d16, VU8 a, VI8 w) {
#if HWY_TARGET == HWY_AVX2
  return hn::Vec<DI16>{_mm256_maddubs_epi16(a.raw, w.raw)};
#elif HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  return hn::Vec<DI16>{_mm512_maddubs_epi16(a.raw, w.raw)};
#elif HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3
  return hn::Vec<DI16>{_mm_maddubs_epi16(a.raw, w.raw)};
#else
  const hn::RebindToUnsigned<DI16> du16;
  const auto a_even = hn::BitCast(d16, hn::And(hn::BitCast(du16, a), hn::Set(du16, 0xFF)));
  const auto a_odd = hn::BitCast(d16, hn::ShiftRight<8>(hn::BitCast(du16, a)));
  const auto w_even = hn::ShiftRight<8>(hn::ShiftLeft<8>(hn::BitCast(d16, w)));
  const auto w_odd = hn::ShiftRight<8>(hn::BitCast(d16, w));
  return hn::SaturatedAdd(hn::Mul(a_even, w_even), hn::Mul(a_odd, w_odd));
#endif
}

// vpmaddwd with ones: adjacent int16 pairs summed into int32.
template <class DI32, class VI16>
HWY_INLINE hn::Vec<DI32> SumPairsI16(DI32 d32, VI16 v) {
#if HWY_TARGET == HWY_AVX2
  return hn::Vec<DI32>{_mm256_madd_epi16(v.raw, _mm256_set1_epi16(1))};
#elif HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  return hn::Vec<DI32>{_mm512_madd_epi16(v.raw, _mm512_set1_epi16(1))};
#elif HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3
  return hn::Vec<DI32>{_mm_madd_epi16(v.raw, _mm_set1_epi16(1))};
#else
  const auto v32 = hn::BitCast(d32, v);
  return hn::Add(hn::ShiftRight<16>(v32), hn::ShiftRight<16>(hn::ShiftLeft<16>(v32)));
#endif
}

// vpmaddwd: int16 x int16 adjacent pairs summed into int32 (exact).
template <class DI32, class VI16>
HWY_INLINE hn::Vec<DI32> MaddPairsI16(DI32 d32, VI16 a, VI16 b) {
#if HWY_TARGET == HWY_AVX2
  return hn::Vec<DI32>{_mm256_madd_epi16(a.raw, b.raw)};
#elif HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  return hn::Vec<DI32>{_mm512_madd_epi16(a.raw, b.raw)};
#elif HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3
  return hn::Vec<DI32>{_mm_madd_epi16(a.raw, b.raw)};
#else
  auto sum1 = hn::Zero(d32);
  const auto sum0 = hn::ReorderWidenMulAccumulate(d32, a, b, hn::Zero(d32), sum1);
  return hn::Add(sum0, sum1);
#endif
}

// 4-way u8 x s8 dot products into int32 (exact): vpdpbusd on AVX-512 VNNI,
// else even/odd bytes widened to int16 and vpmaddwd.
template <class DI32, class VU8, class VI8>
HWY_INLINE hn::Vec<DI32> DotU8S8(DI32 d32, hn::Vec<DI32> acc, VU8 a, VI8 w) {
#if HWY_TARGET == HWY_AVX3_DL
  // Highway 1.0.3's AVX3_DL target string enables avxvnni but not avx512vnni,
  // so the intrinsic is unavailable; the CPU has it (AVX3_DL requires VNNI).
  __m512i r = acc.raw;
  asm("vpdpbusd %2, %1, %0" : "+v"(r) : "v"(a.raw), "v"(w.raw));
  return hn::Vec<DI32>{r};
#else
  const hn::Repartition<int16_t, DI32> d16;
  const hn::RebindToUnsigned<decltype(d16)> du16;
  const auto a_even = hn::BitCast(d16, hn::And(hn::BitCast(du16, a), hn::Set(du16, 0xFF)));
  const auto a_odd = hn::BitCast(d16, hn::ShiftRight<8>(hn::BitCast(du16, a)));
  const auto w_even = hn::ShiftRight<8>(hn::ShiftLeft<8>(hn::BitCast(d16, w)));
  const auto w_odd = hn::ShiftRight<8>(hn::BitCast(d16, w));
  return hn::Add(acc, hn::Add(MaddPairsI16(d32, a_even, w_even), MaddPairsI16(d32, a_odd, w_odd)));
#endif
}

// Sums of the lanes of eight int32 vectors, out[i] = sum of v[i]: the tile
// epilogue. Eight separate SumOfLanes cost ~6 ops each; on x86 a vphaddd tree
// does all eight in ~9 (AVX2), plus halving first on AVX-512.
template <class DI32>
HWY_INLINE void ReduceEight(DI32 d32, const hn::Vec<DI32> (&v)[8], int32_t* out) {
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  __m256i y[8];
  for (int i = 0; i < 8; ++i) {
#if HWY_TARGET == HWY_AVX2
    y[i] = v[i].raw;
#else
    y[i] = _mm256_add_epi32(_mm512_castsi512_si256(v[i].raw), _mm512_extracti64x4_epi64(v[i].raw, 1));
#endif
  }
  const __m256i q0 = _mm256_hadd_epi32(_mm256_hadd_epi32(y[0], y[1]), _mm256_hadd_epi32(y[2], y[3]));
  const __m256i q1 = _mm256_hadd_epi32(_mm256_hadd_epi32(y[4], y[5]), _mm256_hadd_epi32(y[6], y[7]));
  const __m256i sums =
      _mm256_add_epi32(_mm256_permute2x128_si256(q0, q1, 0x20), _mm256_permute2x128_si256(q0, q1, 0x31));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), sums);
#else
  for (int i = 0; i < 8; ++i) out[i] = hn::GetLane(hn::SumOfLanes(d32, v[i]));
#endif
}

#endif  // HWY_TARGET != HWY_SCALAR

#endif  // include guard
