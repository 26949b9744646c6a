#include "wrpn/quant/bits.h"

#include <stdexcept>

namespace wrpn {
namespace quant {

void check_bits(int bits, const std::string& what) {
  if (!is_valid_bits(bits)) {
    throw std::invalid_argument(what + " must be 1..8 or 32 (full precision), got " + std::to_string(bits));
  }
}

}  // namespace quant
}  // namespace wrpn
