#include "wrpn/nn/matrix_units.h"

#include <mutex>
#include <stdexcept>

#include "wrpn/kernels/int8_conv_forward.h"
#include "wrpn/quant/bits.h"

namespace wrpn {
namespace nn {
namespace {

std::mutex g_mu;
MatrixUnits g_units;

}  // namespace

BackwardPrecision parse_backward_precision(const std::string& text) {
  if (text == "fp32") return BackwardPrecision::kFp32;
  if (text == "bf16") return BackwardPrecision::kBf16;
  throw std::invalid_argument("backward precision must be fp32 or bf16, got '" + text + "'");
}

std::string to_string(BackwardPrecision p) { return p == BackwardPrecision::kBf16 ? "bf16" : "fp32"; }

MatrixUnits matrix_units() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_units;
}

void set_matrix_units(const MatrixUnits& m) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_units = m;
}

MatrixUnitsGuard::MatrixUnitsGuard(const MatrixUnits& m) : previous_(matrix_units()) { set_matrix_units(m); }
MatrixUnitsGuard::~MatrixUnitsGuard() { set_matrix_units(previous_); }

torch::Tensor effective_weight_and_codes(const torch::Tensor& weight, int weight_bits, bool per_channel, double gain,
                                         int input_bits, const torch::Tensor& x, quant::WeightCodes* int8,
                                         const quant::WeightCodes** codes) {
  const torch::Tensor w_q = quant::quantize_weights(weight, weight_bits, per_channel);
  if (matrix_units().int8_forward && !quant::is_full_precision(weight_bits) && !quant::is_full_precision(input_bits) &&
      x.device().is_cpu() && kernels::int8_forward_available()) {
    *int8 = quant::weight_codes(w_q, weight_bits, per_channel, gain);
    *codes = int8;
  }
  return w_q * gain;
}

std::string matrix_units_status(const MatrixUnits& m) {
  kernels::ConvShape probe;
  probe.batch = 128;
  probe.in_c = probe.out_c = 64;
  probe.in_h = probe.in_w = 16;
  probe.pad = 1;
  std::string forward = "float forward";
  if (m.int8_forward) {
    const std::string impl = kernels::int8_forward_available() ? kernels::int8_conv_forward_impl(probe) : "";
    const bool exact = impl.find("amx") != std::string::npos || impl.find("vnni") != std::string::npos;
    forward = exact ? "int8 forward on " + impl
                    : "int8 forward requested, float forward used (" +
                          (impl.empty() ? std::string("no oneDNN") : "oneDNN offers only " + impl) + ")";
  }
  return forward + ", " + to_string(m.backward) + " backward" +
         (m.int8_forward && m.recompute_conv_outputs ? ", conv outputs recomputed in backward" : "");
}

}  // namespace nn
}  // namespace wrpn
