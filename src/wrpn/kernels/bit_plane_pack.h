// Byte rows of codes -> bit-planes (format_bit_planes.h) plus per-row code sums.
#pragma once

#include <cstdint>

#include "wrpn/kernels/format_bit_planes.h"
#include "wrpn/kernels/format_byte_rows.h"

namespace wrpn::kernels {

// dst must be allocated as BitPlaneRows(src.rows, src.k, planes); codes must fit
// `planes` bits and the padding of src must be zero. sums[r] = sum of row r.
// Optimised (Highway: one mask-to-bits store per plane per vector).
void pack_bit_planes(const ByteRows<uint8_t>& src, BitPlaneRows& dst, int32_t* sums);

// Reference twin: bit by bit.
void pack_bit_planes_ref(const ByteRows<uint8_t>& src, BitPlaneRows& dst, int32_t* sums);

}  // namespace wrpn::kernels
