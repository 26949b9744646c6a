// What every op file provides (ops/registry.h lists them): its counts, its check (attributes
// decoded, inputs and tensors checked, the output value computed) and its prepared form, the
// object the Runtime creates once per node and runs on every batch (XNNPACK's and oneDNN's
// "create once from a typed description, run many times").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wrpn/runtime/model_format.h"
#include "wrpn/runtime/ops/node_view.h"

namespace wrpn::runtime::ops {

// Float buffers one arena (one thread's chunk of the batch) lends to the ops it runs, reused
// from node to node so a run allocates nothing once warm.
struct Scratch {
  std::vector<float> result, input, operand;
  size_t peak_bytes = 0;  // the most the GEMM scratch held (MemoryReport::scratch_bytes)

  float* floats(std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
    return v.data();
  }
  void note(size_t bytes) { peak_bytes = bytes > peak_bytes ? bytes : peak_bytes; }
};

// One node's run on a chunk of images: its input values and its output value, NHWC.
struct OpRun {
  const std::vector<const uint8_t*>& inputs;
  uint8_t* output;
  int batch;
  int threads;  // for kernels that split one call over threads (one chunk: all of them)
  Scratch& scratch;
};

class PreparedOp {
 public:
  virtual ~PreparedOp() = default;
  // Const: chunks of one batch run the same prepared node on several threads at once.
  virtual void run(const OpRun& r) const = 0;
  virtual size_t weight_bytes() const { return 0; }  // prepared weights, thresholds, float tensors
  // The kernel a batch of this size runs on, for profiles ("" where there is one way only).
  virtual std::string kernel(int /*batch*/, int /*threads*/) const { return ""; }
};

struct OpDefinition {
  Op op;
  const char* name;
  size_t inputs, attrs, tensors;  // exact counts (inputs: the least), nothing is optional
  bool weighted;                  // tensor 0 holds the layer's weights (model_stats)
  // Decodes and checks a node whose counts are right; returns the value it produces.
  ValueInfo (*check)(const NodeView& node);
  // Called on a node that passed check(), with its output value in the model.
  std::unique_ptr<PreparedOp> (*prepare)(const NodeView& node);
  size_t max_inputs = 0;     // above `inputs` for an op of several (concat); 0: exactly `inputs`
  uint16_t since_minor = 0;  // the format 1.x that added the op: an older file cannot hold it
};

}  // namespace wrpn::runtime::ops
