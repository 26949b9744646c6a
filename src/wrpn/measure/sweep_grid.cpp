#include "wrpn/measure/sweep_grid.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "wrpn/models/registry.h"
#include "wrpn/quant/bits.h"

namespace wrpn {
namespace measure {

namespace {

std::string width_label(double width) { return fmt::format("w{:g}", width); }

// The run's folder name: what expand() writes and validate() keeps unique.
// WRPN's runs keep the names they had before the quantizer axis, so older sweeps resume.
std::string run_id(const std::string& model, double width, const Precision& p, quant::Scheme q, uint64_t seed) {
  const std::string scheme = q == quant::Scheme::Wrpn ? "" : "-" + quant::to_string(q);
  return fmt::format("{}-{}-{}-{}{}-s{}", model, width_label(width), p.weight_bits, p.activation_bits, scheme, seed);
}

bool full_precision(const Precision& p) {
  return quant::is_full_precision(p.weight_bits) && quant::is_full_precision(p.activation_bits);
}

template <typename T, typename Key>
void require_unique(const std::vector<T>& values, Key key, const std::string& what) {
  std::set<decltype(key(values[0]))> seen;
  for (const T& v : values) {
    if (!seen.insert(key(v)).second) {
      throw std::invalid_argument(fmt::format("sweep: {} {} is listed twice", what, key(v)));
    }
  }
}

}  // namespace

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
  if (models.empty() || widths.empty() || precisions.empty() || seeds.empty() || quantizers.empty()) {
    throw std::invalid_argument("a sweep needs at least one model, width, precision, quantizer and seed");
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
  // Every run needs a folder of its own: widths 1 and 1.0000001 would both write ...-w1-...
  require_unique(models, [](const std::string& m) { return m; }, "model");
  require_unique(precisions, [](const Precision& p) { return p.label(); }, "precision");
  require_unique(quantizers, [](quant::Scheme q) { return quant::to_string(q); }, "quantizer");
  std::set<std::string> labels;
  for (const double w : widths) {
    if (!labels.insert(width_label(w)).second) {
      throw std::invalid_argument(
          fmt::format("sweep: width {} is listed twice (or two widths both name their runs {})", w, width_label(w)));
    }
  }
  // Counted in double: four lists of a million entries would overflow an integer.
  const double runs = double(models.size()) * double(widths.size()) * double(precisions.size()) *
                      double(quantizers.size()) * double(seeds.size());
  if (runs > double(kMaxSweepRuns)) {
    throw std::invalid_argument(
        fmt::format("sweep: {} models x {} widths x {} precisions x {} quantizers x {} seeds = {:.0f} runs, more than {}",
                    models.size(), widths.size(), precisions.size(), quantizers.size(), seeds.size(), runs,
                    kMaxSweepRuns));
  }
  base.validate();
}

SweepGrid read_sweep_grid(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw std::invalid_argument(fmt::format("{}: a sweep must be a JSON object", source));
  SweepGrid g;
  for (const auto& [key, value] : j.items()) {
    // A list of what `ok` accepts; nothing read as something else (true as width 1, -1 as
    // seed 2^64 - 1, an object's values as a list).
    const auto list = [&, &key = key, &value = value](const char* of, auto ok) {
      if (!value.is_array()) {
        throw std::invalid_argument(
            fmt::format("{}: sweep key '{}' has a value of the wrong type: {}", source, key, value.dump()));
      }
      for (const auto& e : value) {
        if (!ok(e)) {
          throw std::invalid_argument(
              fmt::format("{}: sweep key '{}' needs a list of {}, got {}", source, key, of, e.dump()));
        }
      }
    };
    if (key == "models") {
      list("model names", [](const nlohmann::json& e) { return e.is_string(); });
      g.models = value.get<std::vector<std::string>>();
    } else if (key == "widths") {
      list("numbers", [](const nlohmann::json& e) { return e.is_number(); });
      g.widths = value.get<std::vector<double>>();
    } else if (key == "seeds") {
      list("integers 0..18446744073709551615", [](const nlohmann::json& e) { return e.is_number_unsigned(); });
      g.seeds = value.get<std::vector<uint64_t>>();
    } else if (key == "precisions") {
      list("\"WBITS/ABITS\" strings", [](const nlohmann::json& e) { return e.is_string(); });
      g.precisions.clear();
      for (const auto& p : value) g.precisions.push_back(parse_precision(p.get<std::string>()));
    } else if (key == "quantizers") {
      list("quantizer names", [](const nlohmann::json& e) { return e.is_string(); });
      g.quantizers.clear();
      for (const auto& q : value) g.quantizers.push_back(quant::parse_scheme(q.get<std::string>()));
    } else if (key == "train") {
      train::apply_json(g.base, value, source + " (train)");
    } else {
      throw std::invalid_argument(fmt::format("{}: unknown sweep key '{}'", source, key));
    }
  }
  return g;
}

std::vector<SweepRun> expand(const SweepGrid& g, const std::string& folder) {
  std::vector<SweepRun> runs;
  for (const auto& m : g.models) {
    for (const double w : g.widths) {
      for (const auto& p : g.precisions) {
        for (const quant::Scheme q : g.quantizers) {
          // Full precision has no quantizer: once, under the first listed.
          if (full_precision(p) && q != g.quantizers.front()) continue;
          const quant::Scheme scheme = full_precision(p) ? quant::Scheme::Wrpn : q;
          for (const uint64_t s : g.seeds) {
            SweepRun r;
            r.model = m;
            r.width = w;
            r.precision = p;
            r.quantizer = scheme;
            r.seed = s;
            r.id = run_id(m, w, p, scheme, s);
            r.config = g.base;
            r.config.model.name = m;
            r.config.model.width = w;
            r.config.model.weight_bits = p.weight_bits;
            r.config.model.activation_bits = p.activation_bits;
            r.config.model.quantizer = scheme;
            r.config.seed = s;
            r.config.out = folder + "/runs/" + r.id;
            runs.push_back(std::move(r));
          }
        }
      }
    }
  }
  return runs;
}

}  // namespace measure
}  // namespace wrpn
