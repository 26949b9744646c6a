// include/wrpn/wrpn.h on the runtime. Every entry point catches everything: a C caller sees a
// status and a thread-local message, never an exception.
#include "wrpn/wrpn.h"

#include <fstream>
#include <iterator>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "wrpn/runtime/model_format.h"
#include "wrpn/runtime/ops/registry.h"
#include "wrpn/runtime/runtime.h"

struct wrpn_model {
  wrpn::runtime::ModelFile file;
  int weight_bits = 32, activation_bits = 32;
};

struct wrpn_context {
  wrpn::runtime::Runtime runtime;
  int threads = 1;
};

namespace {

thread_local std::string last_error;

// The one way a call fails: the status, and the message kept for wrpn_last_error().
struct Failure {
  wrpn_status status;
  std::string message;
};

template <typename F>
wrpn_status guarded(F&& body) {
  try {
    body();
    return WRPN_OK;
  } catch (const Failure& f) {
    last_error = f.message;
    return f.status;
  } catch (const std::bad_alloc&) {
    last_error = "out of memory";
    return WRPN_ERROR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    last_error = e.what();
    return WRPN_ERROR_INTERNAL;
  } catch (...) {
    last_error = "unknown error";
    return WRPN_ERROR_INTERNAL;
  }
}

void require(bool ok, wrpn_status status, const std::string& message) {
  if (!ok) throw Failure{status, message};
}

template <typename T>
void not_null(const T* p, const char* call, const char* what) {
  require(p != nullptr, WRPN_ERROR_INVALID_ARGUMENT, std::string(call) + ": " + what + " is NULL");
}

// The loader's checks; what it rejects is an invalid model, named by `source`.
wrpn_model* open_bytes(const uint8_t* bytes, size_t size, const std::string& source) {
  auto m = std::make_unique<wrpn_model>();
  try {
    m->file = wrpn::runtime::read_model(bytes, size);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw Failure{WRPN_ERROR_INVALID_MODEL, source + ": " + e.what()};
  }
  for (const wrpn::runtime::Node& n : m->file.nodes) {
    if (!wrpn::runtime::ops::find_definition(n.op)->weighted) continue;
    const int bits = m->file.tensors[n.tensors[0]].bits;
    if (bits < m->weight_bits) m->weight_bits = bits;
  }
  for (const wrpn::runtime::ValueInfo& v : m->file.values) {
    if (v.kind == wrpn::runtime::ValueKind::kCodes && v.bits < m->activation_bits) m->activation_bits = v.bits;
  }
  return m.release();
}

// The stated shape must be the model's and the output buffer must hold batch x classes.
void check_run(const wrpn_context* c, const void* images, int batch, int channels, int height, int width,
               const float* logits, size_t capacity, const char* call) {
  not_null(c, call, "context");
  not_null(images, call, "images");
  not_null(logits, call, "logits");
  require(batch >= 1, WRPN_ERROR_INVALID_ARGUMENT,
          std::string(call) + ": batch must be >= 1, got " + std::to_string(batch));
  const wrpn::runtime::InputSpec& in = c->runtime.model().input;
  require(channels == in.channels && height == in.height && width == in.width, WRPN_ERROR_SHAPE,
          std::string(call) + ": input " + std::to_string(channels) + "x" + std::to_string(height) + "x" +
              std::to_string(width) + " is not the model's " + std::to_string(in.channels) + "x" +
              std::to_string(in.height) + "x" + std::to_string(in.width));
  const size_t need = size_t(batch) * size_t(c->runtime.classes());
  require(capacity >= need, WRPN_ERROR_SHAPE,
          std::string(call) + ": logits holds " + std::to_string(capacity) + " floats, the batch needs " +
              std::to_string(need));
}

}  // namespace

extern "C" {

const char* wrpn_version(void) { return "1.1.0"; }

const char* wrpn_last_error(void) { return last_error.c_str(); }

const char* wrpn_status_name(wrpn_status status) {
  switch (status) {
    case WRPN_OK:
      return "ok";
    case WRPN_ERROR_INVALID_ARGUMENT:
      return "invalid argument";
    case WRPN_ERROR_IO:
      return "i/o error";
    case WRPN_ERROR_INVALID_MODEL:
      return "invalid model";
    case WRPN_ERROR_SHAPE:
      return "shape mismatch";
    case WRPN_ERROR_OUT_OF_MEMORY:
      return "out of memory";
    case WRPN_ERROR_INTERNAL:
      return "internal error";
  }
  return "unknown status";
}

wrpn_status wrpn_model_open(const char* path, wrpn_model** model) {
  return guarded([&] {
    not_null(model, "wrpn_model_open", "model");
    *model = nullptr;
    not_null(path, "wrpn_model_open", "path");
    std::ifstream in(path, std::ios::binary);
    require(in.good(), WRPN_ERROR_IO, std::string(path) + ": cannot open");
    const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    require(!in.bad(), WRPN_ERROR_IO, std::string(path) + ": read error");
    *model = open_bytes(bytes.data(), bytes.size(), path);
  });
}

wrpn_status wrpn_model_open_memory(const void* data, size_t size, wrpn_model** model) {
  return guarded([&] {
    not_null(model, "wrpn_model_open_memory", "model");
    *model = nullptr;
    require(data != nullptr || size == 0, WRPN_ERROR_INVALID_ARGUMENT, "wrpn_model_open_memory: data is NULL");
    static const uint8_t none = 0;
    *model = open_bytes(data ? static_cast<const uint8_t*>(data) : &none, size, "model in memory");
  });
}

void wrpn_model_free(wrpn_model* model) { delete model; }

wrpn_status wrpn_model_input_shape(const wrpn_model* model, int* channels, int* height, int* width) {
  return guarded([&] {
    not_null(model, "wrpn_model_input_shape", "model");
    require(channels && height && width, WRPN_ERROR_INVALID_ARGUMENT,
            "wrpn_model_input_shape: an output pointer is NULL");
    *channels = model->file.input.channels;
    *height = model->file.input.height;
    *width = model->file.input.width;
  });
}

wrpn_status wrpn_model_classes(const wrpn_model* model, int* classes) {
  return guarded([&] {
    not_null(model, "wrpn_model_classes", "model");
    not_null(classes, "wrpn_model_classes", "classes");
    *classes = model->file.values[model->file.output].channels;
  });
}

wrpn_status wrpn_model_bits(const wrpn_model* model, int* weight_bits, int* activation_bits) {
  return guarded([&] {
    not_null(model, "wrpn_model_bits", "model");
    require(weight_bits && activation_bits, WRPN_ERROR_INVALID_ARGUMENT, "wrpn_model_bits: an output pointer is NULL");
    *weight_bits = model->weight_bits;
    *activation_bits = model->activation_bits;
  });
}

const char* wrpn_model_info(const wrpn_model* model) { return model ? model->file.info.c_str() : nullptr; }

wrpn_status wrpn_context_create(const wrpn_model* model, wrpn_context** context) {
  return guarded([&] {
    not_null(context, "wrpn_context_create", "context");
    *context = nullptr;
    not_null(model, "wrpn_context_create", "model");
    *context = new wrpn_context{wrpn::runtime::Runtime(model->file), 1};
  });
}

void wrpn_context_free(wrpn_context* context) { delete context; }

wrpn_status wrpn_context_set_threads(wrpn_context* context, int threads) {
  return guarded([&] {
    not_null(context, "wrpn_context_set_threads", "context");
    require(threads >= 0, WRPN_ERROR_INVALID_ARGUMENT,
            "wrpn_context_set_threads: threads must be >= 0 (0: all cores), got " + std::to_string(threads));
    context->threads = threads;
  });
}

wrpn_status wrpn_run_floats(wrpn_context* context, const float* images, int batch, int channels, int height, int width,
                            float* logits, size_t logits_capacity) {
  return guarded([&] {
    check_run(context, images, batch, channels, height, width, logits, logits_capacity, "wrpn_run_floats");
    context->runtime.run(images, batch, logits, context->threads);
  });
}

wrpn_status wrpn_run_pixels(wrpn_context* context, const uint8_t* pixels, int batch, int channels, int height,
                            int width, float* logits, size_t logits_capacity) {
  return guarded([&] {
    check_run(context, pixels, batch, channels, height, width, logits, logits_capacity, "wrpn_run_pixels");
    context->runtime.run_pixels(pixels, batch, logits, context->threads);
  });
}

}  // extern "C"
