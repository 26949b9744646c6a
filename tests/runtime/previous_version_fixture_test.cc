// A .wrpn file written by format 1.0's exporter (before blocks described themselves, issue 15)
// still loads and gives the logits it gave then: the fixture pins the reader and the runtime
// against silent format or numeric drift.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "wrpn/runtime/model_format.h"
#include "wrpn/runtime/runtime.h"

namespace wrpn::runtime {
namespace {

const std::string kFixtures = std::string(WRPN_SOURCE_DIR) + "/tests/runtime/fixtures/";

// The 16 images the logits were recorded on: a fixed pattern, 28x28 grey.
std::vector<uint8_t> fixture_pixels(int n) {
  const int per = 28 * 28;
  std::vector<uint8_t> px(size_t(n) * per);
  for (int i = 0; i < n * per; ++i) px[size_t(i)] = uint8_t((i * 7 + (i / 28) * 13 + (i / per) * 29) % 256);
  return px;
}

std::vector<std::vector<float>> recorded_logits(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::vector<float>> rows;
  for (std::string line; std::getline(f, line);) {
    std::istringstream in(line);
    std::vector<float> row;
    for (float v; in >> v;) row.push_back(v);
    if (!row.empty()) rows.push_back(row);
  }
  return rows;
}

TEST(PreviousVersionFixture, LeNetFromFormatOneZeroGivesItsRecordedLogits) {
  const ModelFile m = read_model_file(kFixtures + "lenet5_w1.5_2bit_v1.0.wrpn");
  EXPECT_EQ(m.version_minor, 0);
  const auto want = recorded_logits(kFixtures + "lenet5_w1.5_2bit_v1.0.logits.txt");
  ASSERT_EQ(want.size(), 16u);
  Runtime rt(m);
  ASSERT_EQ(rt.classes(), 10);
  const std::vector<uint8_t> px = fixture_pixels(16);
  std::vector<float> got(16 * 10);
  rt.run_pixels(px.data(), 16, got.data(), 1);
  for (int i = 0; i < 16; ++i) {
    const float* row = got.data() + i * 10;
    int got_arg = int(std::max_element(row, row + 10) - row);
    int want_arg = int(std::max_element(want[size_t(i)].begin(), want[size_t(i)].end()) - want[size_t(i)].begin());
    EXPECT_EQ(got_arg, want_arg) << "image " << i;
    for (int c = 0; c < 10; ++c) {
      // Recorded with 9 significant digits; float layers may sum in another order elsewhere.
      EXPECT_NEAR(row[c], want[size_t(i)][size_t(c)], 1e-5 + 1e-5 * std::fabs(want[size_t(i)][size_t(c)]))
          << "image " << i << " class " << c;
    }
  }
}

}  // namespace
}  // namespace wrpn::runtime
