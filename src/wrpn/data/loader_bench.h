// Measures the ImageNet input pipeline: decoded, augmented (random-resized crop + flip,
// normalised) samples per second from generated JPEGs of ImageNet's typical size, for a list
// of worker-thread counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wrpn {
namespace data {

struct LoaderBenchOptions {
  int64_t images = 96;  // generated JPEGs (split over 2 class folders)
  int width = 500;      // ImageNet's most common size is 500x375 (mean ~400x350)
  int height = 375;
  int quality = 95;          // 4:2:0 like most of ImageNet; ~110 KB per file at this size,
                             // ImageNet's mean
  bool dct_scaling = true;   // see ImageFolderOptions::dct_scaling
  int64_t image_size = 224;  // output side
  int64_t batch_size = 32;
  int64_t epochs = 2;                    // passes over the images per measurement
  std::vector<int> workers = {0, 1, 2};  // 0 = made in the calling thread
  uint64_t seed = 1;
  std::string dir;  // where to write the JPEGs; empty = a temporary folder
};

struct LoaderBenchRow {
  int workers = 0;
  double images_per_s = 0;
  double images_per_s_per_thread = 0;  // per worker (per calling thread for 0)
};

struct LoaderBenchResult {
  double mean_file_kb = 0;
  std::vector<LoaderBenchRow> rows;
};

/// Writes the JPEGs (deterministic content from `seed`) and times a training-mode loader.
LoaderBenchResult run_loader_bench(const LoaderBenchOptions& options);

}  // namespace data
}  // namespace wrpn
