// The prefetching loader: worker threads give exactly the batches of the calling thread, for
// fixed-size datasets with crop/flip and for JPEG folders with random-resized crops; a
// request out of sequence restarts cleanly; a worker's error reaches the caller.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>

#include "../test_util.h"
#include "wrpn/data/batch_loader.h"
#include "wrpn/data/image_folder.h"
#include "wrpn/data/jpeg.h"

namespace wrpn {
namespace data {
namespace {

namespace fs = std::filesystem;
using testing_util::TempDir;
using testing_util::write_bytes;

std::shared_ptr<InMemoryDataset> random_dataset(int64_t n, uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<uint8_t> pixels(size_t(n * 3 * 8 * 8));
  for (auto& p : pixels) p = uint8_t(rng.below(256));
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (auto& l : labels) l = int64_t(rng.below(5));
  return std::make_shared<InMemoryDataset>(ImageShape{3, 8, 8}, 5, std::move(pixels), std::move(labels),
                                           std::vector<float>{0.5f, 0.4f, 0.3f}, std::vector<float>{0.2f, 0.25f, 0.3f});
}

// Every batch of `epochs` epochs, cloned (the synchronous loader reuses its buffers).
std::vector<Batch> all_batches(BatchLoader& loader, int64_t epochs) {
  std::vector<Batch> out;
  for (int64_t e = 0; e < epochs; ++e) {
    for (int64_t b = 0; b < loader.num_batches(); ++b) {
      const Batch batch = loader.batch(e, b);
      out.push_back({batch.images.clone(), batch.labels.clone(), batch.skipped});
    }
  }
  return out;
}

void expect_identical(const std::vector<Batch>& a, const std::vector<Batch>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i].images, b[i].images)) << what << " batch " << i;
    EXPECT_TRUE(torch::equal(a[i].labels, b[i].labels)) << what << " batch " << i;
    EXPECT_EQ(a[i].skipped, b[i].skipped) << what << " batch " << i;
  }
}

TEST(Loader, WorkersGiveBitwiseTheBatchesOfTheCallingThread) {
  const auto dataset = random_dataset(103, 5);
  const auto options = LoaderOptions().batch_size(10).seed(42).crop_padding(2).flip(true);
  BatchLoader sync(dataset, options);
  const auto expected = all_batches(sync, 3);
  ASSERT_EQ(expected.size(), 33u);
  EXPECT_EQ(expected.back().labels.size(0), 3);
  for (int workers : {1, 3}) {
    BatchLoader prefetching(dataset, LoaderOptions(options).workers(workers).prefetch_batches(4));
    expect_identical(expected, all_batches(prefetching, 3), fmt::format("{} workers", workers));
  }
}

// A validation split reads the training set's tail: samples offset.. in order, and nothing past the end.
TEST(Loader, AnOffsetReadsTheTailOfTheDataset) {
  const auto dataset = random_dataset(103, 5);
  BatchLoader whole(dataset, LoaderOptions().batch_size(103).shuffle(false));
  BatchLoader tail(dataset, LoaderOptions().batch_size(5).shuffle(false).offset(90));
  EXPECT_EQ(tail.num_samples(), 13);
  EXPECT_EQ(tail.num_batches(), 3);
  const Batch all = whole.batch(0, 0);
  const Batch first = tail.batch(0, 0);
  EXPECT_TRUE(torch::equal(first.labels, all.labels.slice(0, 90, 95)));
  EXPECT_TRUE(torch::equal(first.images, all.images.slice(0, 90, 95)));
  EXPECT_EQ(BatchLoader(dataset, LoaderOptions().offset(90).limit(4)).num_samples(), 4);
  EXPECT_EQ(BatchLoader(dataset, LoaderOptions().offset(103)).num_samples(), 0);
  EXPECT_EQ(testing_util::error_of([&] { BatchLoader(dataset, LoaderOptions().offset(104)); }),
            "sample offset 104 is past the dataset's 103 samples");
  EXPECT_EQ(testing_util::error_of([&] { BatchLoader(dataset, LoaderOptions().offset(-1)); }),
            "sample offset must be >= 0, got -1");
}

TEST(Loader, OutOfSequenceRequestsRestartThePipeline) {
  const auto dataset = random_dataset(50, 6);
  const auto options = LoaderOptions().batch_size(8).seed(3).flip(true);
  BatchLoader sync(dataset, options);
  BatchLoader prefetching(dataset, LoaderOptions(options).workers(2));
  for (const auto& [e, b] :
       std::vector<std::pair<int64_t, int64_t>>{{2, 3}, {0, 0}, {0, 1}, {5, 6}, {0, 1}, {0, 2}, {1, 0}}) {
    const Batch want = sync.batch(e, b);
    const Batch got = prefetching.batch(e, b);
    EXPECT_TRUE(torch::equal(want.images, got.images)) << e << "," << b;
    EXPECT_TRUE(torch::equal(want.labels, got.labels)) << e << "," << b;
  }
}

RgbImage noise_image(int width, int height, SplitMix64& rng) {
  RgbImage img{width, height, std::vector<uint8_t>(size_t(width * height * 3))};
  for (auto& p : img.pixels) p = uint8_t(rng.below(256));
  return img;
}

TEST(Loader, JpegFolderBatchesAreIdenticalForOneAndThreeWorkers) {
  TempDir dir("loader-jpeg");
  SplitMix64 rng(9);
  for (int i = 0; i < 14; ++i) {
    const std::string path = dir.file(fmt::format("c{}/{:02d}.jpg", i % 3, i));
    fs::create_directories(fs::path(path).parent_path());
    write_bytes(path, encode_jpeg(noise_image(60 + 7 * i, 50 + 3 * i, rng), 90, true));
  }
  const auto folder = std::make_shared<ImageFolder>(dir.str(), ImageFolderOptions().image_size(24));
  const auto options = LoaderOptions().batch_size(4).seed(11);
  BatchLoader one(std::shared_ptr<const SampleSource>(folder), LoaderOptions(options).workers(1));
  BatchLoader three(std::shared_ptr<const SampleSource>(folder), LoaderOptions(options).workers(3));
  BatchLoader sync(std::shared_ptr<const SampleSource>(folder), options);
  const auto expected = all_batches(sync, 2);
  expect_identical(expected, all_batches(one, 2), "1 worker");
  expect_identical(expected, all_batches(three, 2), "3 workers");
  // Different epochs crop differently.
  EXPECT_FALSE(torch::equal(expected[0].images, expected[4].images));
}

TEST(Loader, AWorkersErrorReachesTheCallerWithTheFileName) {
  TempDir dir("loader-error");
  fs::create_directories(dir.file("a"));
  write_bytes(dir.file("a/bad.jpg"), {0, 1, 2, 3});
  const auto folder = std::make_shared<ImageFolder>(dir.str(), ImageFolderOptions().image_size(16));
  BatchLoader loader(std::shared_ptr<const SampleSource>(folder), LoaderOptions().batch_size(1).workers(2));
  try {
    loader.batch(0, 0);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot decode JPEG " + dir.file("a/bad.jpg")), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace data
}  // namespace wrpn
