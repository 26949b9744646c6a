#include "wrpn/measure/sweep_grid.h"

#include <fmt/format.h>

#include <set>
#include <stdexcept>

#include "wrpn/models/registry.h"
#include "wrpn/quant/bits.h"

namespace wrpn {
namespace measure {

std::string Precision::label() const { return fmt::format("{}/{}", weight_bits, activation_bits); }

Precision parse_precision(const std::string& text) {
  const auto slash = text.find('/');
  Precision p;
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    size_t used_w = 0, used_a = 0;
    p.weight_bits = std::stoi(text.substr(0, slash), &used_w);
    p.activation_bits = std::stoi(text.substr(slash + 1), &used_a);
    if (used_w != slash || used_a != text.size() - slash - 1) throw std::invalid_argument("junk");
  } catch (const std::logic_error&) {
    throw std::invalid_argument(fmt::format("precision must look like WBITS/ABITS (e.g. 4/4), got '{}'", text));
  }
  quant::check_bits(p.weight_bits, fmt::format("weight bits in precision '{}'", text));
  quant::check_bits(p.activation_bits, fmt::format("activation bits in precision '{}'", text));
  return p;
}

void SweepGrid::validate() const {
  if (models.empty() || widths.empty() || precisions.empty() || seeds.empty()) {
    throw std::invalid_argument("a sweep needs at least one model, width, precision and seed");
  }
  const auto known = models::model_names();
  for (const auto& m : models) {
    if (std::find(known.begin(), known.end(), m) == known.end()) {
      throw std::invalid_argument(fmt::format("sweep: unknown model '{}'", m));
    }
  }
  for (const double w : widths) {
    if (!(w > 0) || !std::isfinite(w)) {
      throw std::invalid_argument(fmt::format("sweep: width must be > 0, got {}", w));
    }
  }
  for (const auto& p : precisions) {
    quant::check_bits(p.weight_bits, "sweep: weight bits");
    quant::check_bits(p.activation_bits, "sweep: activation bits");
  }
  if (std::set<uint64_t>(seeds.begin(), seeds.end()).size() != seeds.size()) {
    throw std::invalid_argument("sweep: seeds must not repeat");
  }
  base.validate();
}

SweepGrid read_sweep_grid(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw std::invalid_argument(fmt::format("{}: a sweep must be a JSON object", source));
  SweepGrid g;
  for (const auto& [key, value] : j.items()) {
    try {
      if (key == "models")
        g.models = value.get<std::vector<std::string>>();
      else if (key == "widths")
        g.widths = value.get<std::vector<double>>();
      else if (key == "seeds")
        g.seeds = value.get<std::vector<uint64_t>>();
      else if (key == "precisions") {
        g.precisions.clear();
        for (const auto& p : value) g.precisions.push_back(parse_precision(p.get<std::string>()));
      } else if (key == "train")
        train::apply_json(g.base, value, source + " (train)");
      else
        throw std::invalid_argument(fmt::format("{}: unknown sweep key '{}'", source, key));
    } catch (const nlohmann::json::exception&) {
      throw std::invalid_argument(
          fmt::format("{}: sweep key '{}' has a value of the wrong type: {}", source, key, value.dump()));
    }
  }
  return g;
}

std::vector<SweepRun> expand(const SweepGrid& g, const std::string& folder) {
  std::vector<SweepRun> runs;
  for (const auto& m : g.models) {
    for (const double w : g.widths) {
      for (const auto& p : g.precisions) {
        for (const uint64_t s : g.seeds) {
          SweepRun r;
          r.model = m;
          r.width = w;
          r.precision = p;
          r.seed = s;
          r.id = fmt::format("{}-w{:g}-{}-{}-s{}", m, w, p.weight_bits, p.activation_bits, s);
          r.config = g.base;
          r.config.model.name = m;
          r.config.model.width = w;
          r.config.model.weight_bits = p.weight_bits;
          r.config.model.activation_bits = p.activation_bits;
          r.config.seed = s;
          r.config.out = folder + "/runs/" + r.id;
          runs.push_back(std::move(r));
        }
      }
    }
  }
  return runs;
}

}  // namespace measure
}  // namespace wrpn
