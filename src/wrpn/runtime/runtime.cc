#include "wrpn/runtime/runtime.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "wrpn/kernels/aligned_buffer.h"
#include "wrpn/kernels/thread_pool.h"
#include "wrpn/runtime/graph_check.h"
#include "wrpn/runtime/ops/registry.h"

namespace wrpn::runtime {

struct Runtime::Arena {
  int capacity = 0;
  kernels::AlignedBuffer<uint8_t> bytes;
  std::vector<uint8_t*> value_ptr;
  std::vector<const uint8_t*> inputs;  // the running node's
  ops::Scratch scratch;
};

Runtime::Runtime(ModelFile model) : model_(std::move(model)) {
  validate_graph(model_);  // a model built in memory gets the reader's checks too
  plan_ = plan_memory(model_);
  for (size_t i = 0; i < model_.nodes.size(); ++i) layers_.push_back(ops::prepare_node(model_, i));
}

Runtime Runtime::load(const std::string& path) { return Runtime(read_model_file(path)); }
Runtime::Runtime(Runtime&&) noexcept = default;
Runtime& Runtime::operator=(Runtime&&) noexcept = default;
Runtime::~Runtime() = default;

int Runtime::classes() const { return model_.values[model_.output].channels; }

namespace {

// NCHW images (LibTorch's layout) -> the runtime's NHWC floats, element by element through `value`.
template <typename T, typename Value>
void to_nhwc(const T* in, int batch, const InputSpec& s, std::vector<float>& out, Value value) {
  if (batch < 1) throw std::invalid_argument("batch must be >= 1, got " + std::to_string(batch));
  const size_t hw = size_t(s.height) * s.width, per = hw * s.channels;
  out.resize(per * size_t(batch));
  for (int b = 0; b < batch; ++b)
    for (int c = 0; c < s.channels; ++c)
      for (size_t p = 0; p < hw; ++p) out[b * per + p * s.channels + c] = value(in[b * per + c * hw + p], c);
}

}  // namespace

void Runtime::run(const float* input, int batch, float* logits, int threads) {
  to_nhwc(input, batch, model_.input, nhwc_input_, [](float x, int) { return x; });
  run_normalised_nhwc(nhwc_input_.data(), batch, logits, threads);
}

void Runtime::run_pixels(const uint8_t* pixels, int batch, float* logits, int threads) {
  const InputSpec& s = model_.input;
  // The training loader's arithmetic, term for term (data/sample_source.cpp).
  to_nhwc(pixels, batch, s, nhwc_input_, [&s](uint8_t p, int c) { return float(p) * s.scale[c] + s.shift[c]; });
  run_normalised_nhwc(nhwc_input_.data(), batch, logits, threads);
}

void Runtime::run_normalised_nhwc(const float* input, int batch, float* logits, int threads) {
  if (threads <= 0) threads = kernels::hardware_threads();
  // Many images: one chunk per thread, each running the whole network on its own arena
  // (no synchronisation between layers). One image: the GEMMs split their tiles instead.
  const int chunks = std::min(threads, batch);
  const int per_chunk = (batch + chunks - 1) / chunks;
  const size_t in_per = model_.values[0].elements();
  const int classes_ = classes();
  while (int(arenas_.size()) < chunks) arenas_.push_back(std::make_unique<Arena>());
  if (chunks == 1) {
    run_chunk(input, batch, logits, threads, *arenas_[0]);
    return;
  }
  kernels::parallel_for(chunks, chunks, [&](int c) {
    const int begin = c * per_chunk, count = std::min(batch, begin + per_chunk) - begin;
    if (count > 0) {
      run_chunk(input + size_t(begin) * in_per, count, logits + size_t(begin) * classes_, 1, *arenas_[size_t(c)]);
    }
  });
}

void Runtime::run_chunk(const float* input, int batch, float* logits, int gemm_threads, Arena& a) {
  if (a.capacity < batch) {
    a.capacity = batch;
    a.bytes = kernels::AlignedBuffer<uint8_t>(plan_.bytes_per_sample() * size_t(batch));
    a.value_ptr.assign(model_.values.size(), nullptr);
  }
  // Values sit in their planned slots, laid out for this arena's capacity.
  for (size_t v = 0; v < model_.values.size(); ++v) {
    a.value_ptr[v] = a.bytes.data() + plan_.offset_of_slot(plan_.slot_of_value[v], a.capacity);
  }
  std::memcpy(a.value_ptr[0], input, model_.values[0].bytes_per_sample() * size_t(batch));

  const bool timed = profiling_ && &a == arenas_[0].get();
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Node& n = model_.nodes[i];
    a.inputs.clear();
    for (uint32_t v : n.inputs) a.inputs.push_back(a.value_ptr[v]);
    const auto t0 = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    layers_[i]->run({a.inputs, a.value_ptr[n.output], batch, gemm_threads, a.scratch});
    if (timed) {
      profile_[i].seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      profile_[i].images += batch;
      profile_[i].kernel = layers_[i]->kernel(batch, gemm_threads);
    }
  }
  std::memcpy(logits, a.value_ptr[model_.output], size_t(batch) * classes() * sizeof(float));
}

void Runtime::set_profiling(bool on) {
  profiling_ = on;
  if (!on) return;  // keep what was measured for profile()
  profile_.assign(layers_.size(), NodeProfile{});
  for (size_t i = 0; i < layers_.size(); ++i) profile_[i].op = ops::find_definition(model_.nodes[i].op)->name;
}

std::vector<NodeProfile> Runtime::profile() const { return profile_; }

MemoryReport Runtime::memory(int batch, int threads) const {
  MemoryReport r;
  for (const auto& l : layers_) r.weight_bytes += l->weight_bytes();
  if (threads <= 0) threads = kernels::hardware_threads();
  const int chunks = std::max(1, std::min(threads, batch));
  const int per_chunk = (batch + chunks - 1) / chunks;
  r.activation_bytes = plan_.bytes_per_sample() * size_t(per_chunk) * size_t(chunks);
  r.unplanned_activation_bytes = plan_.naive_bytes_per_sample * size_t(batch);
  for (const auto& a : arenas_) r.scratch_bytes += a->scratch.peak_bytes;
  return r;
}

}  // namespace wrpn::runtime
