#include "wrpn/quant/scheme.h"

#include <fmt/format.h>

#include <stdexcept>

namespace wrpn {
namespace quant {

Scheme parse_scheme(const std::string& name) {
  if (name == "wrpn") return Scheme::Wrpn;
  if (name == "dorefa") return Scheme::Dorefa;
  if (name == "pact") return Scheme::Pact;
  if (name == "lsq") return Scheme::Lsq;
  throw std::invalid_argument(fmt::format("quantizer must be wrpn, dorefa, pact or lsq, got '{}'", name));
}

std::string to_string(Scheme scheme) {
  switch (scheme) {
    case Scheme::Wrpn:
      return "wrpn";
    case Scheme::Dorefa:
      return "dorefa";
    case Scheme::Pact:
      return "pact";
    case Scheme::Lsq:
      return "lsq";
  }
  return "?";
}

}  // namespace quant
}  // namespace wrpn
