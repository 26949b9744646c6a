// The fuzz seeds in fuzz/corpus/model_loader stay valid models as the format evolves (a seed the loader
// rejects would leave the fuzzer stuck at the header). WRPN_WRITE_FUZZ_SEEDS=1 rewrites the
// hand-built one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tiny_model.h"
#include "wrpn/runtime/runtime.h"

namespace wrpn::runtime {
namespace {

TEST(FuzzCorpus, SeedsAreValidRunnableModels) {
  const std::string dir = std::string(WRPN_SOURCE_DIR) + "/fuzz/corpus/model_loader";
  if (std::getenv("WRPN_WRITE_FUZZ_SEEDS")) write_model_file(testing::tiny_model(1), dir + "/tiny_all_ops.wrpn");
  int seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    Runtime rt = Runtime::load(entry.path().string());
    const auto& in = rt.model().input;
    std::vector<uint8_t> pixels(size_t(in.channels) * in.height * in.width, 100);
    std::vector<float> logits(size_t(rt.classes()));
    rt.run_pixels(pixels.data(), 1, logits.data());
    for (float l : logits) EXPECT_TRUE(std::isfinite(l)) << entry.path();
    ++seeds;
  }
  EXPECT_GE(seeds, 3);
}

}  // namespace
}  // namespace wrpn::runtime
