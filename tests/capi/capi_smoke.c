/* The C API from C99: open the model given on the command line, run one batch of grey images,
 * print the predicted classes; a bad path must fail with a message. ctest: CApi.FromC. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wrpn/wrpn.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.wrpn\n", argv[0]);
    return 2;
  }
  wrpn_model* model = NULL;
  if (wrpn_model_open("/no/such.wrpn", &model) != WRPN_ERROR_IO || strstr(wrpn_last_error(), "cannot open") == NULL) {
    fprintf(stderr, "a missing file did not fail as an i/o error: %s\n", wrpn_last_error());
    return 1;
  }
  if (wrpn_model_open(argv[1], &model) != WRPN_OK) {
    fprintf(stderr, "%s\n", wrpn_last_error());
    return 1;
  }
  int c, h, w, classes;
  wrpn_model_input_shape(model, &c, &h, &w);
  wrpn_model_classes(model, &classes);
  const int batch = 4;
  unsigned char* pixels = malloc((size_t)batch * c * h * w);
  float* logits = malloc(sizeof(float) * batch * classes);
  for (size_t i = 0; i < (size_t)batch * c * h * w; ++i) pixels[i] = (unsigned char)(i % 251);
  wrpn_context* ctx = NULL;
  if (wrpn_context_create(model, &ctx) != WRPN_OK ||
      wrpn_run_pixels(ctx, pixels, batch, c, h, w, logits, (size_t)batch * classes) != WRPN_OK) {
    fprintf(stderr, "%s\n", wrpn_last_error());
    return 1;
  }
  printf("%dx%dx%d input, %d classes; predictions:", c, h, w, classes);
  for (int b = 0; b < batch; ++b) {
    int best = 0;
    for (int k = 1; k < classes; ++k)
      if (logits[b * classes + k] > logits[b * classes + best]) best = k;
    printf(" %d", best);
  }
  printf("\n");
  wrpn_context_free(ctx);
  wrpn_model_free(model);
  free(pixels);
  free(logits);
  return 0;
}
