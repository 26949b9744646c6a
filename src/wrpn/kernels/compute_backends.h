// Which libraries and instruction sets the heavy arithmetic runs on, in one line: the BLAS
// that libblas.so.3 resolves to (LibTorch's matmul), oneDNN's version and the ISA it
// dispatches to (LibTorch's convolutions, our int8 tiers), and the AMX tier's state.
// `wrpn train` and every bench print it at start: a figure means little without it.
#pragma once

#include <string>

namespace wrpn::kernels {

// "OpenBLAS 0.3.21 (SkylakeX)", "reference BLAS (netlib)", or "no BLAS loaded".
std::string blas_description();
// "oneDNN 2.6.3, ISA avx512_core_amx" or "oneDNN not built in".
std::string onednn_description();
// Both, with the AMX tier's status.
std::string compute_backends_line();

}  // namespace wrpn::kernels
