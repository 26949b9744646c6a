// CIFAR-10/100 binary files: records read back exactly, malformed files rejected with a
// specific message, and a ResNet-20 trained end to end through `wrpn train` on a generated
// CIFAR-format set.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "wrpn/data/cifar.h"
#include "wrpn/data/rng.h"
#include "wrpn/data/synthetic_cifar.h"

namespace wrpn {
namespace data {
namespace {

using testing_util::error_of;

using testing_util::TempDir;
using testing_util::write_bytes;

// Record r of a test file: label r % classes, pixel j = (r * 7 + j * 13) % 256.
uint8_t known_pixel(int64_t r, int64_t j) { return uint8_t((r * 7 + j * 13) % 256); }

std::vector<uint8_t> records(int64_t first, int64_t count, int label_bytes, int64_t classes) {
  std::vector<uint8_t> b;
  for (int64_t r = first; r < first + count; ++r) {
    if (label_bytes == 2) b.push_back(uint8_t(r % 20));  // coarse label
    b.push_back(uint8_t(r % classes));
    for (int64_t j = 0; j < kCifarImageBytes; ++j) b.push_back(known_pixel(r, j));
  }
  return b;
}

TEST(Cifar, Cifar10RecordsReadBackExactlyInFileOrder) {
  TempDir dir("cifar10");
  // The archive's own sub-folder is found when --data names its parent.
  const std::string sub = dir.file("cifar-10-batches-bin");
  std::filesystem::create_directories(sub);
  for (int f = 1; f <= 5; ++f) {
    write_bytes(sub + fmt::format("/data_batch_{}.bin", f), records((f - 1) * 3, 3, 1, 10));
  }
  write_bytes(sub + "/test_batch.bin", records(100, 4, 1, 10));
  const auto train = load_cifar(dir.str(), Split::Train, "cifar10");
  const auto test = load_cifar(dir.str(), Split::Test, "cifar10");
  ASSERT_EQ(train->size(), 15);
  ASSERT_EQ(test->size(), 4);
  EXPECT_EQ(train->num_classes(), 10);
  EXPECT_EQ(train->shape().channels, 3);
  EXPECT_EQ(train->shape().height, 32);
  std::vector<uint8_t> image(kCifarImageBytes);
  for (int64_t i = 0; i < 15; ++i) {
    EXPECT_EQ(train->label(i), i % 10);
    train->read_image(i, image.data());
    for (int64_t j = 0; j < kCifarImageBytes; ++j) ASSERT_EQ(image[size_t(j)], known_pixel(i, j));
  }
  test->read_image(3, image.data());
  EXPECT_EQ(test->label(3), 103 % 10);
  EXPECT_EQ(image[0], known_pixel(103, 0));
  EXPECT_EQ(image[3071], known_pixel(103, 3071));
}

TEST(Cifar, Cifar100UsesTheFineLabel) {
  TempDir dir("cifar100");
  write_bytes(dir.file("train.bin"), records(0, 150, 2, 100));
  write_bytes(dir.file("test.bin"), records(0, 2, 2, 100));
  const auto train = load_cifar(dir.str(), Split::Train, "cifar100");
  ASSERT_EQ(train->size(), 150);
  EXPECT_EQ(train->num_classes(), 100);
  EXPECT_EQ(train->label(99), 99);
  EXPECT_EQ(train->label(120), 20);
  std::vector<uint8_t> image(kCifarImageBytes);
  train->read_image(120, image.data());
  EXPECT_EQ(image[1000], known_pixel(120, 1000));
}

TEST(Cifar, MalformedFilesRejectedWithSpecificMessages) {
  TempDir dir("cifar-bad");
  std::vector<uint8_t> pixels;
  std::vector<int64_t> labels;
  const std::string f = dir.file("f.bin");
  auto read10 = [&] { read_cifar_file(f, 1, 10, pixels, labels); };

  EXPECT_EQ(error_of([&] { read_cifar_file(dir.file("none.bin"), 1, 10, pixels, labels); }),
            "CIFAR file " + dir.file("none.bin") + " does not exist");
  write_bytes(f, {});
  EXPECT_EQ(error_of(read10), "CIFAR file " + f + " is empty");
  // Truncated: two whole records and 3071 bytes of a third.
  auto bytes = records(0, 3, 1, 10);
  bytes.resize(bytes.size() - 2);
  write_bytes(f, bytes);
  EXPECT_EQ(error_of(read10), "CIFAR file " + f +
                                  " ends in a truncated record: 3071 bytes after 2 whole records; "
                                  "records are 3073 bytes");
  // Wrong record size: a CIFAR-100 file (3074-byte records) read as CIFAR-10.
  write_bytes(f, records(0, 2, 2, 100));
  EXPECT_EQ(error_of(read10), "CIFAR file " + f +
                                  " ends in a truncated record: 2 bytes after 2 whole records; "
                                  "records are 3073 bytes");
  // Label outside the classes.
  bytes = records(0, 3, 1, 10);
  bytes[3073] = 10;
  write_bytes(f, bytes);
  EXPECT_EQ(error_of(read10), "CIFAR file " + f + ": label 10 of record 1 is outside 0..9");
  bytes = records(0, 2, 2, 100);
  bytes[3074] = 20;
  write_bytes(f, bytes);
  EXPECT_EQ(error_of([&] { read_cifar_file(f, 2, 100, pixels, labels); }),
            "CIFAR file " + f + ": coarse label 20 of record 1 is outside 0..19");
  // A missing batch of the set names the file.
  write_bytes(dir.file("data_batch_1.bin"), records(0, 1, 1, 10));
  EXPECT_EQ(error_of([&] { load_cifar(dir.str(), Split::Train, "cifar10"); }),
            "CIFAR file " + dir.file("data_batch_2.bin") + " does not exist");
  EXPECT_EQ(error_of([&] { load_cifar(dir.str(), Split::Train, "cifar11"); }),
            "CIFAR variant must be cifar10 or cifar100, got 'cifar11'");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CifarTraining, ResNet20TrainsEndToEndThroughTheCli) {
  TempDir dir("cifar-train");
  const std::string data = dir.file("data");
  std::filesystem::create_directories(data);
  for (int f = 1; f <= 5; ++f) {
    write_bytes(data + fmt::format("/data_batch_{}.bin", f), synthetic_cifar_records((f - 1) * 60, 60, f));
  }
  write_bytes(data + "/test_batch.bin", synthetic_cifar_records(0, 100, 99));
  const std::string out = dir.file("run");
  const std::string cmd = std::string(WRPN_CLI_PATH) +
                          " train --model resnet20 --wbits 4 --abits 4 --dataset cifar10 --data " + data +
                          " --epochs 2 --batch-size 30 --lr 0.05 --threads 1" + " --crop-padding 4 --flip true --out " +
                          out + " >" + dir.file("stdout") + " 2>" + dir.file("stderr");
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(dir.file("stderr"));
  const std::string metrics = slurp(out + "/metrics.jsonl");
  std::vector<nlohmann::json> epochs;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) epochs.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_EQ(epochs[1]["skipped_images"], 0);
  // Measured: 50% after 2 epochs (the same with 2 loader workers); chance is 10%.
  EXPECT_GT(epochs[1]["test_acc"].get<double>(), 30.0) << metrics;
  const auto config = nlohmann::json::parse(slurp(out + "/config.json"));
  EXPECT_EQ(config["dataset"], "cifar10");
  EXPECT_EQ(config["input_size"], 32);
  EXPECT_EQ(config["in_channels"], 3);
}

}  // namespace
}  // namespace data
}  // namespace wrpn
