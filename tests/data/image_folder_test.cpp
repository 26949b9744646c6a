// JPEG decoding with libjpeg-turbo and the ImageNet-style folder: images written by the test
// decode within a stated tolerance, folders map to the right class indices, and every kind
// of bad input has its own error.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "../test_util.h"
#include "wrpn/data/batch_loader.h"
#include "wrpn/data/image_folder.h"
#include "wrpn/data/jpeg.h"
#include "wrpn/train/trainer.h"

namespace wrpn {
namespace data {
namespace {

using testing_util::error_of;

namespace fs = std::filesystem;
using testing_util::TempDir;
using testing_util::write_bytes;

// A smooth colour gradient: JPEG keeps it well.
RgbImage gradient(int width, int height) {
  RgbImage img{width, height, std::vector<uint8_t>(size_t(width * height * 3))};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = &img.pixels[size_t((y * width + x) * 3)];
      p[0] = uint8_t(40 + 160 * x / width);
      p[1] = uint8_t(40 + 160 * y / height);
      p[2] = uint8_t(120);
    }
  }
  return img;
}

RgbImage solid(int width, int height, uint8_t r, uint8_t g, uint8_t b) {
  RgbImage img{width, height, {}};
  for (int i = 0; i < width * height; ++i) img.pixels.insert(img.pixels.end(), {r, g, b});
  return img;
}

void write_jpeg(const std::string& path, const RgbImage& img) {
  fs::create_directories(fs::path(path).parent_path());
  write_bytes(path, encode_jpeg(img, 95, false));
}

TEST(Jpeg, DecodesWhatItEncodedWithinTolerance) {
  const RgbImage original = gradient(96, 64);
  const auto jpeg = encode_jpeg(original, 95, false);
  JpegDecoder decoder;
  EXPECT_EQ(decoder.size(jpeg, "g.jpg"), std::make_pair(96, 64));
  RgbImage decoded;
  decoder.decode(jpeg, "g.jpg", {1, 1}, decoded);
  ASSERT_EQ(decoded.width, 96);
  ASSERT_EQ(decoded.height, 64);
  int max_error = 0;
  double sum_error = 0;
  for (size_t i = 0; i < original.pixels.size(); ++i) {
    const int e = std::abs(int(original.pixels[i]) - int(decoded.pixels[i]));
    max_error = std::max(max_error, e);
    sum_error += e;
  }
  // Quality 95, 4:4:4, fast integer IDCT: every pixel within 4 levels, 1.5 on average
  // (measured: 4 and 1.03).
  EXPECT_LE(max_error, 4);
  EXPECT_LE(sum_error / double(original.pixels.size()), 1.5);

  // A bad stream leaves the decoder usable for the next image.
  const std::vector<uint8_t> garbage = {0xFF, 0xD8, 0xFF, 0xDB, 0, 0};
  EXPECT_EQ(error_of([&] { decoder.size(garbage, "bad.jpg"); }).rfind("cannot decode JPEG bad.jpg: ", 0), 0u);
  EXPECT_EQ(decoder.size(jpeg, "g.jpg"), std::make_pair(96, 64));

  // DCT scaling: half size, each pixel close to the mean of its 2x2 block.
  decoder.decode(jpeg, "g.jpg", {1, 2}, decoded);
  ASSERT_EQ(decoded.width, 48);
  ASSERT_EQ(decoded.height, 32);
  for (int y = 0; y < 32; y += 7) {
    for (int x = 0; x < 48; x += 5) {
      for (int c = 0; c < 3; ++c) {
        double mean = 0;
        for (int dy = 0; dy < 2; ++dy) {
          for (int dx = 0; dx < 2; ++dx) {
            mean += original.pixels[size_t(((2 * y + dy) * 96 + 2 * x + dx) * 3 + c)] / 4.0;
          }
        }
        EXPECT_NEAR(decoded.pixels[size_t((y * 48 + x) * 3 + c)], mean, 4.0) << x << "," << y;
      }
    }
  }
}

TEST(Jpeg, ScaleIsTheSmallestThatKeepsTheTargetSize) {
  // Only the SIMD-accelerated 1/2, 1/4, 1/8 are used: 500x375 at 1/2 is 250x188 < 224.
  const JpegScale full_size = choose_jpeg_scale(500, 375, 224);
  EXPECT_EQ(full_size.num, full_size.denom);
  const JpegScale half = choose_jpeg_scale(1000, 800, 224);  // 500x400; 1/4 is 250x200
  EXPECT_EQ(half.num * 2, half.denom);
  const JpegScale quarter = choose_jpeg_scale(2000, 1500, 224);  // 500x375; 1/8 is too small
  EXPECT_EQ(quarter.num * 4, quarter.denom);
  const JpegScale eighth = choose_jpeg_scale(4000, 3000, 224);  // 500x375
  EXPECT_EQ(eighth.num * 8, eighth.denom);
  const JpegScale full = choose_jpeg_scale(200, 150, 224);  // never upscale in the decoder
  EXPECT_EQ(full.num, full.denom);
}

// Found by reading the decoder for scripts/fuzz.sh jpeg: a few hundred bytes whose header
// claims 65500x65500 pixels made decode() allocate 12.9 GB. The header is checked first.
TEST(Jpeg, AHeaderClaimingMorePixelsThanTheLimitIsRefusedBeforeDecoding) {
  auto jpeg = encode_jpeg(gradient(16, 16), 90, false);
  size_t sof = 0;
  while (sof + 9 < jpeg.size() && !(jpeg[sof] == 0xFF && jpeg[sof + 1] == 0xC0)) ++sof;
  ASSERT_LT(sof + 9, jpeg.size()) << "no baseline frame header";
  const auto claim = [&](int width, int height) {
    jpeg[sof + 5] = uint8_t(height >> 8), jpeg[sof + 6] = uint8_t(height);
    jpeg[sof + 7] = uint8_t(width >> 8), jpeg[sof + 8] = uint8_t(width);
  };
  JpegDecoder decoder;
  RgbImage image;
  claim(65500, 65500);
  const std::string refused =
      "cannot decode JPEG big.jpg: the header claims 65500x65500 pixels, more than the 268435456 this reader decodes";
  EXPECT_EQ(error_of([&] { decoder.size(jpeg, "big.jpg"); }), refused);
  EXPECT_EQ(error_of([&] { decoder.decode(jpeg, "big.jpg", {1, 8}, image); }), refused);
  EXPECT_EQ(image.pixels.size(), 0u);
  // The limit itself is allowed (only the header is read here), and the decoder still works.
  claim(16384, 16384);
  EXPECT_EQ(decoder.size(jpeg, "limit.jpg"), std::make_pair(16384, 16384));
  claim(16, 16);
  decoder.decode(jpeg, "g.jpg", {1, 1}, image);
  EXPECT_EQ(image.width, 16);
}

TEST(ImageFolder, ClassesAreSortedSubFoldersAndFilesAreSorted) {
  TempDir dir("folder-map");
  // ant = red, bee = green, cat = blue; a stray text file and upper-case extension.
  write_jpeg(dir.file("cat/b.jpg"), solid(40, 30, 0, 0, 255));
  write_jpeg(dir.file("cat/a.JPEG"), solid(30, 40, 0, 0, 255));
  write_jpeg(dir.file("ant/x.jpeg"), solid(50, 50, 255, 0, 0));
  write_jpeg(dir.file("bee/1.jpg"), solid(33, 33, 0, 255, 0));
  write_jpeg(dir.file("bee/2.jpg"), solid(64, 48, 0, 255, 0));
  write_bytes(dir.file("bee/notes.txt"), {1, 2, 3});
  ImageFolder folder(dir.str(), ImageFolderOptions().image_size(16).train(false));
  EXPECT_EQ(folder.classes(), (std::vector<std::string>{"ant", "bee", "cat"}));
  ASSERT_EQ(folder.size(), 5);
  EXPECT_EQ((std::vector<int64_t>{folder.label(0), folder.label(1), folder.label(2), folder.label(3), folder.label(4)}),
            (std::vector<int64_t>{0, 1, 1, 2, 2}));
  EXPECT_EQ(folder.path(3), dir.file("cat/a.JPEG"));
  EXPECT_EQ(folder.shape().height, 16);
  // Each sample's colour is its class's: uint8 evaluation transform within 3 levels.
  std::vector<uint8_t> pixels(size_t(folder.shape().pixels()));
  const uint8_t expected[5][3] = {{255, 0, 0}, {0, 255, 0}, {0, 255, 0}, {0, 0, 255}, {0, 0, 255}};
  for (int64_t i = 0; i < 5; ++i) {
    folder.read_image(i, pixels.data());
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(pixels[size_t(c * 256 + 100)], expected[i][c], 3) << i << " " << c;
    }
  }
  // Normalised samples: red of ImageNet's statistics, (1 - 0.485) / 0.229 = 2.249.
  std::vector<float> sample(size_t(folder.shape().pixels()));
  SplitMix64 rng(1);
  ASSERT_TRUE(folder.read_sample(0, rng, sample.data()));
  EXPECT_NEAR(sample[0], (1 - 0.485) / 0.229, 0.03);
  EXPECT_NEAR(sample[256], (0 - 0.456) / 0.224, 0.03);
  // The validation set takes the training set's class list.
  ImageFolder val(dir.str(), ImageFolderOptions().classes({"cat", "ant"}).train(false));
  EXPECT_EQ(val.label(0), 0);
  EXPECT_EQ(val.path(0), dir.file("cat/a.JPEG"));
}

TEST(ImageFolder, TrainingAugmentationDependsOnlyOnTheStream) {
  TempDir dir("folder-aug");
  write_jpeg(dir.file("a/1.jpg"), gradient(200, 150));
  ImageFolder folder(dir.str(), ImageFolderOptions().image_size(32).train(true));
  const size_t n = size_t(folder.shape().pixels());
  std::vector<float> a(n), b(n), c(n);
  SplitMix64 r1(7, 3), r2(7, 3), r3(8, 3);
  folder.read_sample(0, r1, a.data());
  folder.read_sample(0, r2, b.data());
  folder.read_sample(0, r3, c.data());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(ImageFolder, BadFoldersAndFilesHaveTheirOwnErrors) {
  TempDir dir("folder-bad");
  const ImageFolderOptions opts = ImageFolderOptions().image_size(16);
  EXPECT_EQ(error_of([&] { ImageFolder(dir.file("nowhere"), opts); }),
            "image folder " + dir.file("nowhere") + " does not exist or is not a folder");
  EXPECT_EQ(error_of([&] { ImageFolder(dir.str(), opts); }), "image folder " + dir.str() + " has no class sub-folders");
  fs::create_directories(dir.file("empty"));
  write_bytes(dir.file("empty/readme.txt"), {1});
  write_jpeg(dir.file("full/1.jpg"), solid(20, 20, 9, 9, 9));
  EXPECT_EQ(error_of([&] { ImageFolder(dir.str(), opts); }),
            "class folder " + dir.file("empty") + " has no JPEG files (.jpg, .jpeg)");
  fs::remove_all(dir.file("empty"));
  EXPECT_EQ(error_of([&] {
              ImageFolder(dir.str(), ImageFolderOptions(opts).classes({"full", "gone"}));
            }),
            "class folder " + dir.file("gone") + " is missing");

  // A corrupt JPEG: an error naming it, or skipped and counted with skip_corrupt.
  write_bytes(dir.file("full/2.jpg"), {0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8});
  ImageFolder strict(dir.str(), opts);
  std::vector<float> out(size_t(strict.shape().pixels()));
  SplitMix64 rng(1);
  const std::string error = error_of([&] { strict.read_sample(1, rng, out.data()); });
  EXPECT_EQ(error.rfind("cannot decode JPEG " + dir.file("full/2.jpg") + ": ", 0), 0u) << error;

  auto lenient = std::make_shared<ImageFolder>(dir.str(), ImageFolderOptions(opts).skip_corrupt(true));
  BatchLoader loader(std::shared_ptr<const SampleSource>(lenient), LoaderOptions().batch_size(2).shuffle(false));
  const Batch batch = loader.batch(0, 0);
  EXPECT_EQ(batch.labels.size(0), 1);
  EXPECT_EQ(batch.skipped, 1);
  EXPECT_EQ(lenient->skipped_files(), 1);

  // An unreadable file names the file too.
  fs::permissions(dir.file("full/1.jpg"), fs::perms::none);
  if (::geteuid() != 0) {  // root reads anything
    EXPECT_EQ(error_of([&] { strict.read_sample(0, rng, out.data()); }),
              "input file " + dir.file("full/1.jpg") + " cannot be read: Permission denied");
  }
}

// `dataset: imagefolder` end to end: train/ and val/ folders, a corrupt training JPEG stops
// the run naming it, or with skip_corrupt is skipped and counted in the epoch's metrics.
TEST(ImageFolderTraining, CorruptImageStopsTheRunOrIsSkippedAndCounted) {
  TempDir dir("folder-train");
  SplitMix64 rng(4);
  for (int i = 0; i < 12; ++i) {
    const uint8_t v = uint8_t(i % 2 == 0 ? 40 : 210);  // two classes: dark and bright
    RgbImage img = solid(48 + i, 40, v, v, v);
    for (auto& p : img.pixels) p = uint8_t(std::clamp(int(p) + int(rng.below(21)) - 10, 0, 255));
    write_jpeg(dir.file(fmt::format("train/{}/{:02d}.jpg", i % 2 == 0 ? "dark" : "bright", i)), img);
    if (i < 4) write_jpeg(dir.file(fmt::format("val/{}/{:02d}.jpg", i % 2 == 0 ? "dark" : "bright", i)), img);
  }
  write_bytes(dir.file("train/dark/99.jpg"), {0xFF, 0xD8, 0xFF, 0xDB, 0, 0});
  train::TrainConfig c;
  c.model.name = "resnet20";
  c.dataset = "imagefolder";
  c.data_dir = dir.str();
  c.image_size = 32;
  c.epochs = 1;
  c.batch_size = 4;
  c.threads = 1;
  c.workers = 2;
  c.out = dir.file("run");
  train::TrainHooks quiet;
  quiet.verbose = false;
  quiet.progress = false;
  const std::string error = error_of([&] { train::run_training(c, false, quiet); });
  EXPECT_EQ(error.rfind("cannot decode JPEG " + dir.file("train/dark/99.jpg") + ": ", 0), 0u) << error;

  c.skip_corrupt = true;
  const train::TrainResult r = train::run_training(c, false, quiet);
  // Exactly one: the decoder recovers from the bad file (libjpeg-turbo needs a fresh handle).
  EXPECT_EQ(r.last.skipped_images, 1);
  EXPECT_EQ(r.last.test.samples, 4);
  EXPECT_EQ(r.model->forward(torch::zeros({1, 3, 32, 32})).size(1), 2);  // classes from folders
}

}  // namespace
}  // namespace data
}  // namespace wrpn
