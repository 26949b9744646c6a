// The int8 peer: the same convolution through oneDNN's own int8 primitive (u8 source,
// s8 weights, per-channel output scales, u8 destination), what a user who quantizes the
// network to int8 with oneDNN (PyTorch's x86/onednn backends, OpenVINO) runs instead.
// Uses libdnnl directly (the same libdnnl.so.2 LibTorch links); no LibTorch here.
#pragma once

#include <memory>
#include <string>

#include "wrpn/kernels/conv.h"

namespace wrpn::bench {

// Source NHWC u8 (as the runtime holds codes), weights reordered to the primitive's
// layout once at construction; threads through OpenMP, as Debian's oneDNN is built.
class Int8OnednnConv {
 public:
  Int8OnednnConv(const wrpn::kernels::ConvShape& shape, int threads);
  ~Int8OnednnConv();
  void run();                // one forward pass, waited for
  std::string impl() const;  // oneDNN's implementation, e.g. "brgconv:avx512_core_amx_int8"

 private:
  struct State;
  std::unique_ptr<State> state_;
  int threads_;
};

}  // namespace wrpn::bench
