#include "wrpn/runtime/tensor_check.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace wrpn::runtime {
namespace {

[[noreturn]] void fail(size_t index, const std::string& what) {
  throw std::runtime_error("tensor " + std::to_string(index) + ": " + what);
}

void check_floats(const TensorInfo& t, size_t index) {
  for (size_t i = 0; i < t.elements(); ++i) {
    float f;
    std::memcpy(&f, t.data.data() + 4 * i, 4);
    if (!std::isfinite(f)) fail(index, "element " + std::to_string(i) + " is " + std::to_string(f) + ", not finite");
  }
}

// Scans the fields in place (no unpacked copy): the weights of a large model are checked once
// per load, so this stays a shift and a mask per element.
void check_codes(const TensorInfo& t, size_t index) {
  const size_t count = t.elements(), bits = size_t(t.bits);
  const uint8_t* p = t.data.data();
  if (bits >= 2) {
    const unsigned forbidden = 1u << (bits - 1);  // -2^(bits-1): two's complement's extra negative
    const unsigned mask = (1u << bits) - 1;
    for (size_t i = 0; i < count; ++i) {
      const size_t bit = i * bits, byte = bit / 8;
      // A field spans at most two bytes (bits <= 8); the second exists whenever it is needed.
      unsigned window = p[byte];
      if (byte + 1 < t.data.size()) window |= unsigned(p[byte + 1]) << 8;
      if (((window >> (bit % 8)) & mask) == forbidden) {
        const int n = int(forbidden) - 1;
        fail(index, "weight code " + std::to_string(-int(forbidden)) + " at element " + std::to_string(i) +
                        " outside -" + std::to_string(n) + ".." + std::to_string(n) + " for " + std::to_string(bits) +
                        "-bit codes");
      }
    }
  }
  // The last byte's bits beyond count * bits belong to no element and must be zero.
  const size_t used = (count * bits) % 8;
  if (used != 0 && (p[t.data.size() - 1] >> used) != 0) {
    char text[8];
    std::snprintf(text, sizeof(text), "0x%02x", p[t.data.size() - 1]);
    fail(index, "unused trailing bits of the last payload byte (" + std::string(text) + ", bits " +
                    std::to_string(used) + "..7) are not zero");
  }
}

}  // namespace

void validate_tensor(const TensorInfo& t, size_t index) {
  const bool is_float = t.type == TensorType::kFloat32;
  if (is_float ? t.bits != 32 : (t.bits < 1 || t.bits > 8)) {
    fail(index, std::to_string(t.bits) + " bits is not valid for " + (is_float ? "float32 (32)" : "codes (1..8)"));
  }
  if (t.dims.empty() || t.dims.size() > 4) fail(index, "rank " + std::to_string(t.dims.size()) + " outside 1..4");
  uint64_t elements = 1;
  for (size_t d = 0; d < t.dims.size(); ++d) {
    if (t.dims[d] < 1 || t.dims[d] > (1 << 16)) {
      fail(index, "dimension " + std::to_string(d) + " = " + std::to_string(t.dims[d]) + " outside 1..65536");
    }
    elements *= uint64_t(t.dims[d]);
  }
  if (elements > (uint64_t(1) << 31)) fail(index, std::to_string(elements) + " elements exceed 2^31");
  if (t.data.size() != t.payload_bytes()) {
    fail(index, "payload of " + std::to_string(t.data.size()) + " bytes, its shape needs " +
                    std::to_string(t.payload_bytes()));
  }
  if (is_float) {
    check_floats(t, index);
  } else {
    check_codes(t, index);
  }
}

}  // namespace wrpn::runtime
