// Energy per image (inference) and per training step, per layer and in total, from a cost
// report (cost.h) and a table of per-operation energies (energy_table.h), with the 1x FP32
// baseline. The model (docs/COST.md, "Energy", states it for users):
//  - a MAC with a 32-bit operand (first/last layers' weights, the image) is an FP32 multiply
//    and add; a kw x ka-bit one (kw, ka <= 8) an 8-bit integer multiply scaled by kw*ka/64
//    (Horowitz's multiplier grows about quadratically with width: 0.2 -> 3.1 pJ for 8 -> 32
//    bits) accumulated at a 32-bit integer add. Batch norm is folded (no compute).
//  - traffic is counted in 64-bit words, packed at the data's bits: ceil(bits / 64) per tensor.
//    Weights (at their bits) are read from DRAM once per batch; the first layer reads the
//    image from DRAM; every other input map is read, and every output map written, through
//    the smallest SRAM (8 KB, 32 KB, 1 MB) holding the layer's on-chip maps for one image,
//    DRAM beyond 1 MB. SRAM writes cost as reads.
//  - a training step (batch B) is the forward pass at the layers' bits, plus a backward of
//    2x the forward MACs at FP32; every layer's input map kept for backward is written to DRAM
//    at its bits and read back (the image is only read back); 32-bit output and input
//    gradient maps go through SRAM as above (the first layer writes no input gradient); each
//    parameter's 32-bit master copy is read in backward, its gradient written, and SGD with
//    momentum and weight decay (wrpn's default) reads weight, gradient and momentum and writes
//    weight and momentum (7 DRAM word accesses per 64 bits of parameters) for 3 FP32
//    multiplies and 3 adds per parameter.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "wrpn/measure/cost.h"
#include "wrpn/measure/energy_table.h"

namespace wrpn {
namespace measure {

/// One layer's (or the network's) energies in picojoules.
struct LayerEnergy {
  std::string name;
  double inference_compute_pj = 0;  // per image
  double inference_memory_pj = 0;   // per image, weights amortised over the batch
  double training_compute_pj = 0;   // per step (whole batch)
  double training_memory_pj = 0;    // per step
  double inference_pj() const { return inference_compute_pj + inference_memory_pj; }
  double training_pj() const { return training_compute_pj + training_memory_pj; }
};

struct EnergyReport {
  int64_t batch = 1;
  EnergyTable table;
  std::vector<LayerEnergy> layers;  // same order as the cost report's
  LayerEnergy total;
  LayerEnergy baseline;  // same model, same batch, width 1, 32/32
};

/// Energy of one multiply-accumulate with kw-bit weights and ka-bit inputs, in picojoules.
double mac_energy_pj(int weight_bits, int input_bits, const EnergyTable& table);

/// Price of one 64-bit word moved through the buffer holding `bytes` (8 KB, 32 KB, 1 MB SRAM,
/// else DRAM).
double buffer_word_pj(double bytes, const EnergyTable& table);

/// Applies the model above to every layer of `cost` and of its baseline.
EnergyReport estimate_energy(const CostReport& cost, const EnergyTable& table);

nlohmann::json to_json(const EnergyReport& report);
/// The cost report with energy: "text" adds a section, "csv" four columns (per-layer energy,
/// picojoules), "json" an "energy" object.
std::string format_report(const CostReport& cost, const EnergyReport& energy, const std::string& format);

}  // namespace measure
}  // namespace wrpn
