// The hard generated CIFAR-10-format set: reproducible, readable by the real CIFAR reader,
// labels in order, test fonts unseen in training, and (unlike the easy set) no label
// information in an image's colour.
#include <gtest/gtest.h>

#include "../test_util.h"
#include "wrpn/data/cifar.h"
#include "wrpn/data/glyph_cifar.h"
#include "wrpn/data/synthetic_cifar.h"

namespace wrpn {
namespace data {
namespace {

using testing_util::TempDir;

TEST(GlyphCifar, RecordsAreReproducibleAndLabelledInOrder) {
  const auto a = glyph_cifar_records(5, 20, 7, false);
  EXPECT_EQ(a, glyph_cifar_records(5, 20, 7, false));
  EXPECT_NE(a, glyph_cifar_records(5, 20, 8, false));
  ASSERT_EQ(a.size(), size_t(20 * (1 + kCifarImageBytes)));
  for (int r = 0; r < 20; ++r) EXPECT_EQ(a[size_t(r) * (1 + kCifarImageBytes)], (5 + r) % 10);
  // The same record index drawn from the test fonts is another image.
  EXPECT_NE(a, glyph_cifar_records(5, 20, 7, true));
}

// Fraction of the variance of an image's mean red value that its class explains.
double colour_variance_explained_by_class(const std::vector<uint8_t>& records) {
  const size_t rec = 1 + kCifarImageBytes, n = records.size() / rec;
  std::vector<double> mean(n), class_sum(10, 0), class_n(10, 0);
  double total = 0;
  for (size_t r = 0; r < n; ++r) {
    double s = 0;
    for (int j = 0; j < 1024; ++j) s += records[r * rec + 1 + size_t(j)];
    mean[r] = s / 1024;
    total += mean[r];
    class_sum[records[r * rec]] += mean[r];
    class_n[records[r * rec]] += 1;
  }
  const double grand = total / double(n);
  double between = 0, all = 0;
  for (size_t r = 0; r < n; ++r) {
    const double cm = class_sum[records[r * rec]] / class_n[records[r * rec]];
    between += (cm - grand) * (cm - grand);
    all += (mean[r] - grand) * (mean[r] - grand);
  }
  return between / all;
}

TEST(GlyphCifar, ColourCarriesNoLabelUnlikeTheEasySet) {
  EXPECT_LT(colour_variance_explained_by_class(glyph_cifar_records(0, 2000, 1, false)), 0.02);
  EXPECT_GT(colour_variance_explained_by_class(synthetic_cifar_records(0, 2000, 1)), 0.9);
}

TEST(GlyphCifar, WrittenFilesLoadWithTheCifarReader) {
  TempDir dir("glyphs");
  write_glyph_cifar10(dir.str(), 30, 20, 3);
  const auto train = load_cifar(dir.str(), Split::Train, "cifar10");
  const auto test = load_cifar(dir.str(), Split::Test, "cifar10");
  ASSERT_EQ(train->size(), 150);
  ASSERT_EQ(test->size(), 20);
  for (int64_t i = 0; i < 150; ++i) EXPECT_EQ(train->label(i), i % 10);
  // Pixels use most of the byte range (random colours, both polarities).
  std::vector<uint8_t> image(kCifarImageBytes);
  int lo = 255, hi = 0;
  for (int64_t i = 0; i < 150; ++i) {
    train->read_image(i, image.data());
    for (uint8_t p : image) {
      lo = std::min<int>(lo, p);
      hi = std::max<int>(hi, p);
    }
  }
  EXPECT_LT(lo, 10);
  EXPECT_GT(hi, 245);
}

}  // namespace
}  // namespace data
}  // namespace wrpn
