/* wrpn's C API: run a .wrpn model (docs/FORMAT.md) on the packed low-bit kernels, from C or
 * any language with a C FFI. No LibTorch, no exceptions across this boundary.
 *
 * Errors: every call that can fail returns a wrpn_status; WRPN_OK is 0. The message of the
 * last failed call *on the calling thread* is wrpn_last_error() (never NULL; "" when none),
 * naming the file, value or argument at fault, e.g. "model.wrpn: truncated ...".
 *
 * Threads: a wrpn_model is immutable once opened and may be shared by any number of threads.
 * Running needs a wrpn_context (its prepared weights and activation buffers): give each thread
 * its own, made from the shared model. One context must not be used by two threads at once.
 *
 *   wrpn_model* m; wrpn_context* ctx;
 *   if (wrpn_model_open("lenet5.wrpn", &m) != WRPN_OK) { fputs(wrpn_last_error(), stderr); ... }
 *   wrpn_context_create(m, &ctx);
 *   wrpn_run_pixels(ctx, pixels, batch, 1, 28, 28, logits, batch * classes);
 *   wrpn_context_free(ctx); wrpn_model_free(m);
 */
#ifndef WRPN_WRPN_H_
#define WRPN_WRPN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wrpn_status {
  WRPN_OK = 0,
  WRPN_ERROR_INVALID_ARGUMENT = 1, /* a NULL pointer, a batch < 1, threads < 0, ... */
  WRPN_ERROR_IO = 2,               /* the file cannot be opened or read */
  WRPN_ERROR_INVALID_MODEL = 3,    /* the bytes are not a valid .wrpn model (the loader's checks) */
  WRPN_ERROR_SHAPE = 4,            /* the input's shape or the output buffer does not fit the model */
  WRPN_ERROR_OUT_OF_MEMORY = 5,
  WRPN_ERROR_INTERNAL = 6
} wrpn_status;

typedef struct wrpn_model wrpn_model;
typedef struct wrpn_context wrpn_context;

/* The version of this library, "1.1.0": the newest .wrpn format it reads, then a patch. */
const char* wrpn_version(void);

/* The message of the calling thread's last failed call. */
const char* wrpn_last_error(void);

/* A short name for a status, e.g. "invalid model". */
const char* wrpn_status_name(wrpn_status status);

/* Opens and validates a model from a file, or from `size` bytes at `data` (copied). */
wrpn_status wrpn_model_open(const char* path, wrpn_model** model);
wrpn_status wrpn_model_open_memory(const void* data, size_t size, wrpn_model** model);
/* NULL is ignored. Free the model after every context made from it. */
void wrpn_model_free(wrpn_model* model);

/* Input images are channels x height x width; the output is `classes` logits per image. */
wrpn_status wrpn_model_input_shape(const wrpn_model* model, int* channels, int* height, int* width);
wrpn_status wrpn_model_classes(const wrpn_model* model, int* classes);
/* The fewest bits of the model's quantized weights and activations (32: none quantized). */
wrpn_status wrpn_model_bits(const wrpn_model* model, int* weight_bits, int* activation_bits);
/* The model's info block (UTF-8, JSON as `wrpn export` writes it; may be empty); lives as long
 * as the model. NULL for a NULL model. */
const char* wrpn_model_info(const wrpn_model* model);

/* A context runs one batch at a time with `threads` threads (default 1; 0: all cores). */
wrpn_status wrpn_context_create(const wrpn_model* model, wrpn_context** context);
void wrpn_context_free(wrpn_context* context);
wrpn_status wrpn_context_set_threads(wrpn_context* context, int threads);

/* Runs `batch` images, NCHW, of the stated shape (which must be the model's): floats already
 * normalised as in training, or pixels 0..255 that the model's own normalisation maps. Writes
 * batch x classes logits; `logits_capacity` is the number of floats `logits` holds. */
wrpn_status wrpn_run_floats(wrpn_context* context, const float* images, int batch, int channels, int height, int width,
                            float* logits, size_t logits_capacity);
wrpn_status wrpn_run_pixels(wrpn_context* context, const uint8_t* pixels, int batch, int channels, int height,
                            int width, float* logits, size_t logits_capacity);

#ifdef __cplusplus
}
#endif

#endif /* WRPN_WRPN_H_ */
