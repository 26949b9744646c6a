#include "wrpn/measure/energy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace wrpn {
namespace measure {
namespace {

// Every tensor is packed at its bits into 64-bit words, the unit Horowitz prices.
double words(double bits) { return std::ceil(bits / 64.0); }

double fp32_mac(const EnergyTable& t) { return t.fp32_mult + t.fp32_add; }

LayerEnergy layer_energy(const LayerCost& l, bool first, int64_t batch, const EnergyTable& t) {
  LayerEnergy e;
  e.name = l.name;
  const double b = double(batch);
  // Weights at their bits from DRAM once per batch; in training also the 32-bit master copy in
  // backward, the gradient write and SGD's reads (weight, gradient, momentum) and writes
  // (weight, momentum): 7 accesses per word of 32-bit parameters, 3 multiplies and 3 adds
  // per parameter (weight decay, momentum, step).
  const double weight_pj = words(l.weight_bytes * 8) * t.dram_access;
  const double param_words = words(double(l.params) * 32);
  e.inference_memory_pj = weight_pj / b;
  e.training_memory_pj = weight_pj + 7 * param_words * t.dram_access;
  e.training_compute_pj = double(l.params) * 3 * fp32_mac(t);
  if (l.kind == "batchnorm") return e;  // folded into the quantizer: no compute, no traffic

  const double mac = mac_energy_pj(l.weight_bits, l.input_bits, t);
  const double in_bits = double(l.input_elements) * l.input_bits;
  const double out_bits = double(l.output_elements) * l.output_bits;
  // Per image: the image from DRAM, every other input and every output through the SRAM that
  // holds the layer's on-chip maps.
  const double on_chip_bits = (first ? 0 : in_bits) + out_bits;
  const double word_pj = buffer_word_pj(on_chip_bits / 8, t);
  const double maps_pj = words(in_bits) * (first ? t.dram_access : word_pj) + words(out_bits) * word_pj;
  e.inference_compute_pj = double(l.macs) * mac;
  e.inference_memory_pj += maps_pj;

  // Training: forward at the layer's bits, backward (input and weight gradients) at FP32.
  e.training_compute_pj += b * double(l.macs) * (mac + 2 * fp32_mac(t));
  // The input kept for backward: written to DRAM and read back (the image is already there).
  const double saved_pj = words(in_bits) * (first ? 1 : 2) * t.dram_access;
  // 32-bit gradient maps: the output's read, the input's written (none for the image).
  const double grad_bits = (first ? 0 : double(l.input_elements) * 32) + double(l.output_elements) * 32;
  const double grad_pj = (words(double(l.output_elements) * 32) + (first ? 0 : words(double(l.input_elements) * 32))) *
                         buffer_word_pj(grad_bits / 8, t);
  e.training_memory_pj += b * (maps_pj + saved_pj + grad_pj);
  return e;
}

std::vector<LayerEnergy> layer_energies(const std::vector<LayerCost>& layers, int64_t batch, const EnergyTable& t) {
  std::vector<LayerEnergy> out;
  bool first = true;
  for (const auto& l : layers) {
    out.push_back(layer_energy(l, first && l.kind != "batchnorm", batch, t));
    if (l.kind != "batchnorm") first = false;
  }
  return out;
}

LayerEnergy sum(const std::vector<LayerEnergy>& layers) {
  LayerEnergy s;
  s.name = "total";
  for (const auto& l : layers) {
    s.inference_compute_pj += l.inference_compute_pj;
    s.inference_memory_pj += l.inference_memory_pj;
    s.training_compute_pj += l.training_compute_pj;
    s.training_memory_pj += l.training_memory_pj;
  }
  return s;
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

nlohmann::json energy_json(const LayerEnergy& e) {
  return {{"inference_compute_pj", e.inference_compute_pj},
          {"inference_memory_pj", e.inference_memory_pj},
          {"inference_pj", e.inference_pj()},
          {"training_compute_pj", e.training_compute_pj},
          {"training_memory_pj", e.training_memory_pj},
          {"training_pj", e.training_pj()}};
}

std::string csv_columns(const LayerEnergy& e) {
  return fmt::format(",{:.6g},{:.6g},{:.6g},{:.6g}", e.inference_compute_pj, e.inference_memory_pj,
                     e.training_compute_pj, e.training_memory_pj);
}

std::string csv_with_energy(const CostReport& cost, const EnergyReport& energy) {
  std::istringstream in(format_report(cost, "csv"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  // The cost CSV is a header, one row per layer, a total row: the energy columns line up.
  if (lines.size() != energy.layers.size() + 2) {
    throw std::logic_error(fmt::format("cost CSV has {} lines for {} layers", lines.size(), energy.layers.size()));
  }
  std::string out = lines[0] + ",inference_compute_pj,inference_memory_pj,training_compute_pj,training_memory_pj\n";
  for (size_t i = 0; i < energy.layers.size(); ++i) out += lines[i + 1] + csv_columns(energy.layers[i]) + "\n";
  out += lines.back() + csv_columns(energy.total) + "\n";
  const std::string empty(size_t(std::count(lines[0].begin(), lines[0].end(), ',')), ',');
  out += "baseline_1x_fp32" + empty + csv_columns(energy.baseline) + "\n";
  const LayerEnergy& t = energy.total;
  const LayerEnergy& b = energy.baseline;
  out += "ratio_to_1x_fp32" + empty +
         fmt::format(",{:.6g},{:.6g},{:.6g},{:.6g}\n", ratio(t.inference_compute_pj, b.inference_compute_pj),
                     ratio(t.inference_memory_pj, b.inference_memory_pj),
                     ratio(t.training_compute_pj, b.training_compute_pj),
                     ratio(t.training_memory_pj, b.training_memory_pj));
  return out;
}

std::string text_section(const EnergyReport& r) {
  std::string out =
      fmt::format("energy (Horowitz ISSCC 2014, 45 nm; ratio to the same model at 1x, 32/32, batch {}):\n", r.batch);
  out += fmt::format("{:<24} {:>14} {:>14} {:>14} {:>14}\n", "layer", "inf nJ/img", "(of it memory)", "train uJ/step",
                     "(of it memory)");
  for (const auto& l : r.layers) {
    out += fmt::format("{:<24} {:>14.4f} {:>14.4f} {:>14.4f} {:>14.4f}\n", l.name, l.inference_pj() / 1e3,
                       l.inference_memory_pj / 1e3, l.training_pj() / 1e6, l.training_memory_pj / 1e6);
  }
  const auto row = [](const char* what, double pj, double base) {
    return fmt::format("  {:<34} {:>16.6g} {:>10.4f}x\n", what, pj / 1e6, ratio(pj, base));
  };
  const LayerEnergy& t = r.total;
  const LayerEnergy& b = r.baseline;
  out += row("inference uJ/image: compute", t.inference_compute_pj, b.inference_compute_pj);
  out += row("inference uJ/image: memory", t.inference_memory_pj, b.inference_memory_pj);
  out += row("inference uJ/image: total", t.inference_pj(), b.inference_pj());
  out += row("training uJ/step: compute", t.training_compute_pj, b.training_compute_pj);
  out += row("training uJ/step: memory", t.training_memory_pj, b.training_memory_pj);
  out += row("training uJ/step: total", t.training_pj(), b.training_pj());
  return out;
}

}  // namespace

double mac_energy_pj(int weight_bits, int input_bits, const EnergyTable& t) {
  // wrpn keeps 32-bit operands (the image, first and last layers' weights) as floats.
  if (weight_bits >= 32 || input_bits >= 32) return fp32_mac(t);
  // Horowitz's multiplier grows about quadratically with operand width (8 -> 32 bits:
  // 0.2 -> 3.1 pJ, 15.5x for 16x the bit products), so a kw x ka product costs kw*ka/64 of an
  // 8x8 one; the sum accumulates at 32 bits.
  return t.int8_mult * double(weight_bits) * double(input_bits) / 64.0 + t.int32_add;
}

double buffer_word_pj(double bytes, const EnergyTable& t) {
  if (bytes <= 8 * 1024) return t.sram_8kb_read;
  if (bytes <= 32 * 1024) return t.sram_32kb_read;
  if (bytes <= 1024 * 1024) return t.sram_1mb_read;
  return t.dram_access;  // too large for Horowitz's largest on-chip array
}

EnergyReport estimate_energy(const CostReport& cost, const EnergyTable& table) {
  EnergyReport r;
  r.batch = cost.batch;
  r.table = table;
  r.layers = layer_energies(cost.layers, cost.batch, table);
  r.total = sum(r.layers);
  r.baseline = sum(layer_energies(cost.baseline_layers, cost.batch, table));
  r.baseline.name = "baseline";
  return r;
}

nlohmann::json to_json(const EnergyReport& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : r.layers) {
    nlohmann::json j = energy_json(l);
    j["name"] = l.name;
    layers.push_back(j);
  }
  const LayerEnergy& t = r.total;
  const LayerEnergy& b = r.baseline;
  return {{"source", "Horowitz, ISSCC 2014, 45 nm, 0.9 V (overridable with --energy-table)"},
          {"table_pj", energy_table_json(r.table)},
          {"layers", layers},
          {"total", energy_json(t)},
          {"baseline", energy_json(b)},
          {"ratio",
           {{"inference_compute", ratio(t.inference_compute_pj, b.inference_compute_pj)},
            {"inference_memory", ratio(t.inference_memory_pj, b.inference_memory_pj)},
            {"inference", ratio(t.inference_pj(), b.inference_pj())},
            {"training_compute", ratio(t.training_compute_pj, b.training_compute_pj)},
            {"training_memory", ratio(t.training_memory_pj, b.training_memory_pj)},
            {"training", ratio(t.training_pj(), b.training_pj())}}}};
}

std::string format_report(const CostReport& cost, const EnergyReport& energy, const std::string& format) {
  if (format == "json") {
    nlohmann::json j = to_json(cost);
    j["energy"] = to_json(energy);
    return j.dump(2) + "\n";
  }
  if (format == "csv") return csv_with_energy(cost, energy);
  return format_report(cost, format) + text_section(energy);  // throws on an unknown format
}

}  // namespace measure
}  // namespace wrpn
