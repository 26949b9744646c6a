// The distributed sampler: every sample exactly once per epoch across the ranks, in the
// single-process loader's order and with its augmentation, for any world size and batch.
#include <gtest/gtest.h>

#include <set>

#include "wrpn/data/batch_loader.h"
#include "wrpn/data/distributed_sampler.h"
#include "wrpn/data/rng.h"

namespace wrpn {
namespace data {
namespace {

// Sample i has label i, so a batch's labels say which samples it holds.
std::shared_ptr<InMemoryDataset> indexed_dataset(int64_t n) {
  SplitMix64 rng(7);
  std::vector<uint8_t> pixels(size_t(n * 1 * 6 * 6));
  for (auto& p : pixels) p = uint8_t(rng.below(256));
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) labels[size_t(i)] = i;
  return std::make_shared<InMemoryDataset>(ImageShape{1, 6, 6}, n, std::move(pixels), std::move(labels),
                                           std::vector<float>{0.5f}, std::vector<float>{0.25f});
}

LoaderOptions options(int64_t batch, int rank, int world) {
  return LoaderOptions().batch_size(batch).seed(11).crop_padding(2).flip(true).rank(rank).world_size(world);
}

TEST(DistributedSampler, SlicesOfEveryBatchTileItExactly) {
  for (int64_t n : {1, 7, 100, 101}) {
    for (int64_t g : {1, 3, 8, 32, 200}) {
      for (int w : {1, 2, 3, 5}) {
        int64_t covered = 0;
        for (int64_t b = 0; b < global_batches(n, g); ++b) {
          int64_t next = b * g;
          for (int r = 0; r < w; ++r) {
            const ShardSlice s = shard_of_batch(n, g, b, r, w);
            EXPECT_EQ(s.first, next) << n << " " << g << " " << w;
            EXPECT_LE(s.count, max_shard_size(g, w));
            next += s.count;
            covered += s.count;
          }
          EXPECT_EQ(next, std::min(n, (b + 1) * g));
        }
        EXPECT_EQ(covered, n) << n << " " << g << " " << w;
      }
    }
  }
  // The rule stated in the header: 10 samples left over 4 ranks -> 2, 3, 2, 3.
  EXPECT_EQ(shard_of_batch(74, 32, 2, 0, 4).count, 2);
  EXPECT_EQ(shard_of_batch(74, 32, 2, 1, 4).count, 3);
  EXPECT_EQ(shard_of_batch(74, 32, 2, 3, 4).first, 64 + 7);
}

TEST(DistributedSampler, RanksTogetherReadTheSingleProcessBatchesOnceEach) {
  const int64_t n = 103, batch = 16;
  const auto dataset = indexed_dataset(n);
  BatchLoader single(dataset, options(batch, 0, 1));
  for (int world : {2, 3, 4}) {
    std::vector<std::unique_ptr<BatchLoader>> ranks;
    for (int r = 0; r < world; ++r) {
      ranks.push_back(std::make_unique<BatchLoader>(dataset, options(batch, r, world)));
      ASSERT_EQ(ranks.back()->num_batches(), single.num_batches());
    }
    for (int64_t epoch = 0; epoch < 2; ++epoch) {
      std::multiset<int64_t> seen;
      for (int64_t b = 0; b < single.num_batches(); ++b) {
        const Batch whole = single.batch(epoch, b);
        std::vector<torch::Tensor> images, labels;
        for (auto& loader : ranks) {
          const Batch part = loader->batch(epoch, b);
          images.push_back(part.images.clone());
          labels.push_back(part.labels.clone());
          for (int64_t i = 0; i < part.labels.size(0); ++i) seen.insert(part.labels[i].item<int64_t>());
        }
        // Same samples, same order, same augmentation as one process.
        EXPECT_TRUE(torch::equal(torch::cat(labels), whole.labels)) << world << " " << b;
        EXPECT_TRUE(torch::equal(torch::cat(images), whole.images)) << world << " " << b;
      }
      ASSERT_EQ(seen.size(), size_t(n)) << world;
      for (int64_t i = 0; i < n; ++i) EXPECT_EQ(seen.count(i), 1u) << "sample " << i;
    }
  }
}

TEST(DistributedSampler, BadRankIsRejected) {
  const auto dataset = indexed_dataset(10);
  EXPECT_THROW(BatchLoader(dataset, options(4, 2, 2)), std::invalid_argument);
  EXPECT_THROW(BatchLoader(dataset, options(4, 0, 0)), std::invalid_argument);
}

}  // namespace
}  // namespace data
}  // namespace wrpn
