// Which libraries and instruction sets the heavy arithmetic runs on, in one line: the BLAS
// that libblas.so.3 resolves to (LibTorch's matmul), oneDNN's version and the ISA it
// dispatches to (LibTorch's convolutions, our int8 tiers), and the integer tiers' state.
// `wrpn train` and every bench print it at start: a figure means little without it.
#pragma once

#include <string>

namespace wrpn::kernels {

// "OpenBLAS 0.3.21 (SkylakeX)", "reference BLAS (netlib)", or "no BLAS loaded".
std::string blas_description();
// The core OpenBLAS's DYNAMIC_ARCH build chose when it loaded ("SkylakeX", "Prescott"), or ""
// when the process has no OpenBLAS.
std::string openblas_core_name();
// A better core for this CPU when OpenBLAS fell back to an SSE-era one (it picks by CPU model,
// and virtual machines often report a generic "Intel Xeon Processor": it then takes
// Prescott, 4.6x slower at FP32 matmul on an AVX-512 machine): "SkylakeX" with AVX-512
// F/BW/VL/DQ, "Haswell" with AVX2+FMA, else "" (keep OpenBLAS's choice). OpenBLAS reads
// OPENBLAS_CORETYPE only when it loads, so a process must start again to use it.
std::string openblas_core_for_this_cpu();
// "oneDNN 2.6.3, ISA avx512_core_amx" or "oneDNN not built in".
std::string onednn_description();
// Both, with the AMX and oneDNN int8 tiers' status.
std::string compute_backends_line();

}  // namespace wrpn::kernels
