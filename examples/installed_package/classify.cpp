// classify_cpp MODEL.wrpn: the same four images on the C++ runtime (wrpn/runtime/runtime.h).
#include <algorithm>
#include <cstdio>
#include <vector>

#include <wrpn/runtime/runtime.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  try {
    wrpn::runtime::Runtime rt = wrpn::runtime::Runtime::load(argv[1]);
    const auto& in = rt.model().input;
    const size_t n = size_t(4) * in.channels * in.height * in.width;
    std::vector<uint8_t> pixels(n);
    for (size_t i = 0; i < n; ++i) pixels[i] = uint8_t((i * 7 + (i / 28) * 13) % 256);
    std::vector<float> logits(size_t(4 * rt.classes()));
    rt.run_pixels(pixels.data(), 4, logits.data(), 1);
    std::printf("C++:");
    for (int b = 0; b < 4; ++b) {
      const float* row = logits.data() + b * rt.classes();
      std::printf(" %d", int(std::max_element(row, row + rt.classes()) - row));
    }
    std::printf("\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "classify_cpp: %s\n", e.what());
    return 1;
  }
  return 0;
}
