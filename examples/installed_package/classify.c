/* classify_c MODEL.wrpn: classifies four generated images with the C API. */
#include <stdio.h>
#include <stdlib.h>

#include <wrpn/wrpn.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  wrpn_model* model = NULL;
  wrpn_context* ctx = NULL;
  if (wrpn_model_open(argv[1], &model) != WRPN_OK || wrpn_context_create(model, &ctx) != WRPN_OK) {
    fprintf(stderr, "classify_c: %s\n", wrpn_last_error());
    return 1;
  }
  int c, h, w, classes;
  wrpn_model_input_shape(model, &c, &h, &w);
  wrpn_model_classes(model, &classes);
  const size_t n = (size_t)4 * c * h * w;
  unsigned char* pixels = malloc(n);
  float* logits = malloc(sizeof(float) * 4 * classes);
  for (size_t i = 0; i < n; ++i) pixels[i] = (unsigned char)((i * 7 + (i / 28) * 13) % 256);
  if (wrpn_run_pixels(ctx, pixels, 4, c, h, w, logits, (size_t)4 * classes) != WRPN_OK) {
    fprintf(stderr, "classify_c: %s\n", wrpn_last_error());
    return 1;
  }
  printf("C:");
  for (int b = 0; b < 4; ++b) {
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
