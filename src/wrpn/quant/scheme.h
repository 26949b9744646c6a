// Which quantizer a network trains with (`--quantizer`): WRPN's (the contract,
// ../shared/WRPN.md) or one of the field's others, for comparison in one harness
// (docs/TRAINING.md, "Other quantizers").
//
//   wrpn:   weights clamp(w, -1, 1) on 2^k - 1 levels; activations clamp(a, 0, 1) (quantizers.h)
//   dorefa: DoReFa's tanh-normalised weights on 2^k levels; activations as WRPN's (dorefa.h)
//   pact:   DoReFa's weights; activations clipped at a learned alpha per layer (pact.h)
//   lsq:    a learned step per layer for weights and for activations (lsq.h)
#pragma once

#include <string>

namespace wrpn {
namespace quant {

enum class Scheme { Wrpn, Dorefa, Pact, Lsq };

/// "wrpn" | "dorefa" | "pact" | "lsq"; throws std::invalid_argument naming the value otherwise.
Scheme parse_scheme(const std::string& name);
std::string to_string(Scheme scheme);

/// Activations in {0, 1/n, ..., 1} (WRPN's clip): the packed saving and the int8 forward read
/// them as codes, and the batch-norm scale is placed for the fixed clip (activation_range.h).
inline bool activations_in_unit_range(Scheme s) { return s == Scheme::Wrpn || s == Scheme::Dorefa; }

/// Weights on WRPN's levels -n..n: the int8 forward and the .wrpn format take their codes.
inline bool weights_on_wrpn_levels(Scheme s) { return s == Scheme::Wrpn; }

}  // namespace quant
}  // namespace wrpn
