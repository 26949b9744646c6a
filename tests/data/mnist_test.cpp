// IDX/Fashion-MNIST reading: Debian's real files, and malformed files each rejected with a
// specific message.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>

#include "../test_util.h"
#include "wrpn/data/batch_loader.h"
#include "wrpn/data/idx.h"
#include "wrpn/data/mnist.h"

namespace wrpn {
namespace data {
namespace {

using testing_util::error_of;

using testing_util::TempDir;
using testing_util::write_bytes;

std::vector<uint8_t> idx_header(uint8_t type, std::vector<uint32_t> dims) {
  std::vector<uint8_t> b = {0, 0, type, uint8_t(dims.size())};
  for (uint32_t d : dims) {
    b.push_back(uint8_t(d >> 24));
    b.push_back(uint8_t(d >> 16));
    b.push_back(uint8_t(d >> 8));
    b.push_back(uint8_t(d));
  }
  return b;
}

TEST(FashionMnist, DebianFilesHaveTheRightCountsAndLabels) {
  const auto train = load_mnist(kDebianFashionMnistDir, Split::Train);
  const auto test = load_mnist(kDebianFashionMnistDir, Split::Test);
  ASSERT_EQ(train->size(), 60000);
  ASSERT_EQ(test->size(), 10000);
  EXPECT_EQ(train->shape().height, 28);
  EXPECT_EQ(train->shape().width, 28);
  EXPECT_EQ(train->num_classes(), 10);
  // Published facts: balanced classes, first training label 9 (ankle boot), first test
  // labels 9, 2, 1, 1, 6 (ankle boot, pullover, trouser, trouser, shirt).
  std::vector<int> train_counts(10), test_counts(10);
  for (int64_t i = 0; i < train->size(); ++i) ++train_counts[size_t(train->label(i))];
  for (int64_t i = 0; i < test->size(); ++i) ++test_counts[size_t(test->label(i))];
  EXPECT_EQ(train_counts, std::vector<int>(10, 6000));
  EXPECT_EQ(test_counts, std::vector<int>(10, 1000));
  EXPECT_EQ(train->label(0), 9);
  EXPECT_EQ((std::vector<int64_t>{test->label(0), test->label(1), test->label(2), test->label(3), test->label(4)}),
            (std::vector<int64_t>{9, 2, 1, 1, 6}));
}

TEST(Idx, ReadsRawAndGzipIdentically) {
  TempDir dir("idx");
  auto bytes = idx_header(0x08, {2, 3});
  for (uint8_t v : {1, 2, 3, 4, 5, 6}) bytes.push_back(v);
  write_bytes(dir.file("raw"), bytes);
  gzFile gz = gzopen(dir.file("packed.gz").c_str(), "wb");
  gzwrite(gz, bytes.data(), unsigned(bytes.size()));
  gzclose(gz);
  for (const auto& name : {"raw", "packed.gz"}) {
    const IdxArray a = read_idx(dir.file(name), 2);
    EXPECT_EQ(a.dims, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(a.values, (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  }
}

TEST(Idx, MalformedFilesRejectedWithSpecificMessages) {
  TempDir dir("idx-bad");
  const std::string path = dir.file("f");
  EXPECT_EQ(error_of([&] { read_idx(dir.file("missing"), 3); }),
            "IDX file " + dir.file("missing") + " does not exist");

  auto bad_magic = idx_header(0x0D, {1, 1, 1});  // 0x0D: float elements
  bad_magic.push_back(0);
  write_bytes(path, bad_magic);
  EXPECT_EQ(error_of([&] { read_idx(path, 3); }),
            "IDX file " + path + " has bad magic 0x00000d03 (expected 0x00000803)");

  auto wrong_dims = idx_header(0x08, {4});
  write_bytes(path, wrong_dims);
  EXPECT_EQ(error_of([&] { read_idx(path, 3); }), "IDX file " + path + " has 1 dimensions, expected 3");

  auto truncated = idx_header(0x08, {2, 2, 2});
  truncated.insert(truncated.end(), {1, 2, 3});
  write_bytes(path, truncated);
  EXPECT_EQ(error_of([&] { read_idx(path, 3); }), "IDX file " + path + " is truncated: expected 8 data bytes, got 3");

  auto short_header = idx_header(0x08, {2, 2, 2});
  short_header.resize(9);
  write_bytes(path, short_header);
  EXPECT_EQ(error_of([&] { read_idx(path, 3); }), "IDX file " + path + " is truncated in the size of dimension 1");

  auto trailing = idx_header(0x08, {2});
  trailing.insert(trailing.end(), {1, 2, 3});
  write_bytes(path, trailing);
  EXPECT_EQ(error_of([&] { read_idx(path, 1); }), "IDX file " + path + " has trailing bytes after its 2 elements");
}

// A gzip stream that fails its check is a read error with zlib's reason, not "truncated".
TEST(Idx, CorruptGzipStreamIsAReadErrorNamingTheFile) {
  TempDir dir("idx-gz");
  const std::string path = dir.file("bad.gz");
  auto bytes = idx_header(0x08, {2, 3});
  for (uint8_t v : {1, 2, 3, 4, 5, 6}) bytes.push_back(v);
  gzFile gz = gzopen(path.c_str(), "wb");
  gzwrite(gz, bytes.data(), unsigned(bytes.size()));
  gzclose(gz);
  std::vector<uint8_t> packed(std::filesystem::file_size(path));
  FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_EQ(std::fread(packed.data(), 1, packed.size(), f), packed.size());
  std::fclose(f);
  packed[packed.size() - 8] ^= 0xFF;  // the trailer's CRC-32
  write_bytes(path, packed);
  EXPECT_EQ(error_of([&] { read_idx(path, 2); }), "cannot read IDX file " + path + ": incorrect data check");
}

// Found by scripts/fuzz.sh idx (reproducers in fuzz/regressions/idx/): the header's sizes are
// checked before they are multiplied or trusted with an allocation.
TEST(Idx, HeaderSizesAreCheckedBeforeTheyAreTrusted) {
  TempDir dir("idx-sizes");
  const std::string path = dir.file("f");
  // 4294967295 x 4294967295 overflowed int64_t (undefined behaviour) before the limit check.
  write_bytes(path, idx_header(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 1}));
  EXPECT_EQ(error_of([&] { read_idx(path, 3); }), "IDX file " + path + " claims 18446744065119617025 elements: too large");
  // 16 bytes claiming 2^32 elements: refused as truncated, without first allocating 4 GiB.
  write_bytes(path, idx_header(0x08, {65536, 256, 256}));
  EXPECT_EQ(error_of([&] { read_idx(path, 3); }),
            "IDX file " + path + " is truncated: expected 4294967296 data bytes, got 0");
  auto some = idx_header(0x08, {65536, 256, 256});
  some.insert(some.end(), 1000, 7);
  write_bytes(path, some);
  EXPECT_EQ(error_of([&] { read_idx(path, 3); }),
            "IDX file " + path + " is truncated: expected 4294967296 data bytes, got 1000");
}

TEST(Mnist, LabelOutOfRangeAndCountMismatchRejected) {
  TempDir dir("mnist-bad");
  auto images = idx_header(0x08, {2, 2, 2});
  images.insert(images.end(), 8, 0);
  write_bytes(dir.file("t10k-images-idx3-ubyte"), images);
  auto labels = idx_header(0x08, {2});
  labels.insert(labels.end(), {3, 12});
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), labels);
  EXPECT_EQ(error_of([&] { load_mnist(dir.str(), Split::Test); }),
            dir.file("t10k-labels-idx1-ubyte") + ": label 12 at index 1 is outside 0..9");
  auto three = idx_header(0x08, {3});
  three.insert(three.end(), {1, 2, 3});
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), three);
  EXPECT_EQ(error_of([&] { load_mnist(dir.str(), Split::Test); }),
            dir.file("t10k-images-idx3-ubyte") + " holds 2 images but " + dir.file("t10k-labels-idx1-ubyte") +
                " holds 3 labels");
}

TEST(BatchLoader, NormalisesDeterministicallyAndCoversEverySampleOnce) {
  std::vector<uint8_t> pixels(10 * 4);
  std::vector<int64_t> labels(10);
  for (int i = 0; i < 10; ++i) {
    for (int p = 0; p < 4; ++p) pixels[size_t(i * 4 + p)] = uint8_t(i * 10 + p);
    labels[size_t(i)] = i % 3;
  }
  auto ds = std::make_shared<InMemoryDataset>(ImageShape{1, 2, 2}, 3, pixels, labels, std::vector<float>{0.5f},
                                              std::vector<float>{0.25f});
  BatchLoader a(ds, LoaderOptions().batch_size(4).seed(42));
  BatchLoader b(ds, LoaderOptions().batch_size(4).seed(42));
  EXPECT_EQ(a.num_batches(), 3);
  std::vector<int> seen(10);
  for (int64_t i = 0; i < a.num_batches(); ++i) {
    const Batch x = a.batch(1, i);
    const Batch y = b.batch(1, i);
    EXPECT_TRUE(torch::equal(x.images, y.images));
    for (int64_t s = 0; s < x.images.size(0); ++s) {
      // First pixel identifies the sample: value i*10 normalised as (p/255 - 0.5) / 0.25.
      const float v = x.images[s][0][0][0].item<float>();
      const int sample = int(std::lround((v * 0.25f + 0.5f) * 255.0f / 10.0f));
      ++seen[size_t(sample)];
      EXPECT_EQ(x.labels[s].item<int64_t>(), sample % 3);
      EXPECT_NEAR(v, (float(sample * 10) / 255.0f - 0.5f) / 0.25f, 1e-6);
    }
  }
  EXPECT_EQ(seen, std::vector<int>(10, 1));
  // A different epoch gives a different order.
  EXPECT_FALSE(torch::equal(a.batch(1, 0).labels.clone(), a.batch(2, 0).labels.clone()) &&
               torch::equal(a.batch(1, 1).labels.clone(), a.batch(2, 1).labels.clone()));
}

}  // namespace
}  // namespace data
}  // namespace wrpn
