#include "wrpn/data/loader_bench.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "wrpn/data/batch_loader.h"
#include "wrpn/data/image_folder.h"
#include "wrpn/data/jpeg.h"

namespace wrpn {
namespace data {
namespace {

namespace fs = std::filesystem;

// Smooth colour waves plus pixel noise: compresses to about the size of a photograph.
RgbImage synthetic_photo(int width, int height, SplitMix64& rng) {
  RgbImage img{width, height, std::vector<uint8_t>(size_t(width) * size_t(height) * 3)};
  double f[6];
  for (double& v : f) v = 0.005 + 0.05 * double(rng.below(1000)) / 1000.0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) {
        const double wave =
            70 * std::sin(f[2 * c] * x + f[2 * c + 1] * y + c) + 30 * std::sin(0.3 * f[2 * c] * x * y / 50.0);
        const double noise = double(rng.below(41)) - 20.0;
        const long v = std::lround(128 + wave + noise);
        img.pixels[(size_t(y) * size_t(width) + size_t(x)) * 3 + size_t(c)] = uint8_t(std::clamp(v, 0L, 255L));
      }
    }
  }
  return img;
}

}  // namespace

LoaderBenchResult run_loader_bench(const LoaderBenchOptions& o) {
  const bool temporary = o.dir.empty();
  const fs::path root =
      temporary ? fs::temp_directory_path() / ("wrpn-loader-bench-" + std::to_string(::getpid())) : fs::path(o.dir);
  LoaderBenchResult result;
  SplitMix64 rng(o.seed);
  double bytes = 0;
  for (int64_t i = 0; i < o.images; ++i) {
    const fs::path folder = root / (i % 2 == 0 ? "class_a" : "class_b");
    fs::create_directories(folder);
    const auto jpeg = encode_jpeg(synthetic_photo(o.width, o.height, rng), o.quality, true);
    std::ofstream out(folder / fmt::format("img_{:05d}.jpg", i), std::ios::binary);
    out.write(reinterpret_cast<const char*>(jpeg.data()), std::streamsize(jpeg.size()));
    bytes += double(jpeg.size());
  }
  result.mean_file_kb = bytes / double(std::max<int64_t>(o.images, 1)) / 1024.0;

  const auto folder = std::make_shared<ImageFolder>(
      root.string(), ImageFolderOptions().image_size(o.image_size).train(true).dct_scaling(o.dct_scaling));
  for (int workers : o.workers) {
    BatchLoader loader(std::shared_ptr<const SampleSource>(folder),
                       LoaderOptions().batch_size(o.batch_size).seed(o.seed).workers(workers));
    // Warm-up epoch (threads, decoder handles, page cache); the timed epochs follow in
    // sequence so the prefetching never restarts.
    for (int64_t b = 0; b < loader.num_batches(); ++b) loader.batch(0, b);
    const auto start = std::chrono::steady_clock::now();
    int64_t images = 0;
    for (int64_t e = 1; e <= o.epochs; ++e) {
      for (int64_t b = 0; b < loader.num_batches(); ++b) images += loader.batch(e, b).labels.size(0);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = double(images) / seconds;
    result.rows.push_back({workers, rate, rate / std::max(workers, 1)});
  }
  if (temporary) fs::remove_all(root);
  return result;
}

}  // namespace data
}  // namespace wrpn
