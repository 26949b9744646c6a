// The deployment runtime: loads a .wrpn model, prepares every layer once (weights packed
// for the chosen kernel variant, integer requantization thresholds, activation memory plan)
// and runs batches on the packed low-bit kernels. No LibTorch anywhere below this header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wrpn/runtime/memory_plan.h"
#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime {

namespace ops {
class PreparedOp;
}

struct NodeProfile {
  std::string op;      // the op's name in the format ("conv2d", "max_pool", ...)
  std::string kernel;  // what ran it for the last batch size ("oneDNN int8 brgconv:...", "dot_u8s8", ...)
  double seconds = 0;  // summed over the profiled runs
  int64_t images = 0;  // images those runs carried (the first chunk's)
};

struct MemoryReport {
  size_t weight_bytes = 0;                // prepared weights in kernel format, thresholds, float tensors
  size_t activation_bytes = 0;            // the planned activation arena(s) for the batch
  size_t scratch_bytes = 0;               // largest im2col / float accumulator scratch seen so far
  size_t unplanned_activation_bytes = 0;  // what one buffer per value would take
};

class Runtime {
 public:
  explicit Runtime(ModelFile model);
  static Runtime load(const std::string& path);
  Runtime(Runtime&&) noexcept;
  Runtime& operator=(Runtime&&) noexcept;
  ~Runtime();

  const ModelFile& model() const { return model_; }
  int classes() const;

  // input: batch x C x H x W floats, normalised as in training (LibTorch's NCHW layout).
  // logits: batch x classes. threads: 0 = all hardware threads.
  void run(const float* input_nchw, int batch, float* logits, int threads = 1);
  // pixels: batch x C x H x W bytes (0..255), normalised here with the file's scale/shift.
  void run_pixels(const uint8_t* pixels_nchw, int batch, float* logits, int threads = 1);

  MemoryReport memory(int batch, int threads = 1) const;

  // Per-node wall time, summed over the runs since profiling was last switched on (the first
  // chunk's, when a batch is split over threads: every chunk runs the whole network).
  void set_profiling(bool on);
  std::vector<NodeProfile> profile() const;

  struct Arena;

 private:
  void run_normalised_nhwc(const float* input_nhwc, int batch, float* logits, int threads);
  void run_chunk(const float* input_nhwc, int batch, float* logits, int gemm_threads, Arena& arena);

  ModelFile model_;
  MemoryPlan plan_;
  std::vector<std::unique_ptr<ops::PreparedOp>> layers_;  // one per node, made once (ops/registry.h)
  std::vector<std::unique_ptr<Arena>> arenas_;
  std::vector<float> nhwc_input_;
  bool profiling_ = false;
  std::vector<NodeProfile> profile_;
};

}  // namespace wrpn::runtime
