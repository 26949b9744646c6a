// The checkpoint's structure check (train/checkpoint_archive.h), which runs before LibTorch
// reads a file: the fuzzer's reproducers (corrupted TorchScript source that crashed LibTorch)
// are refused, the seed checkpoint passes, and one flipped byte in any record is named.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../test_util.h"
#include "wrpn/train/checkpoint_archive.h"

namespace wrpn {
namespace train {
namespace {

using testing_util::error_of;

const std::string kSeed = std::string(WRPN_SOURCE_DIR) + "/fuzz/corpus/checkpoint/mlp_like_checkpoint.pt";

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(CheckpointArchive, TheSeedCheckpointPasses) {
  EXPECT_NO_THROW(check_checkpoint_file(kSeed));
}

// scripts/fuzz.sh checkpoint found these: LibTorch 1.13 compiled their corrupted TorchScript
// source and crashed (SIGSEGV). The CRC-32 of the record now refuses them first.
TEST(CheckpointArchive, TheFuzzersCrashingInputsAreRefusedByName) {
  const auto dir = std::filesystem::path(WRPN_SOURCE_DIR) / "fuzz/regressions/checkpoint";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string path = entry.path().string();
    const std::string err = error_of([&] { check_checkpoint_file(path); });
    EXPECT_EQ(err.rfind("checkpoint " + path + " is corrupt or not a LibTorch archive (8506 bytes): record '", 0), 0u)
        << err;
    EXPECT_NE(err.find("fails its CRC-32"), std::string::npos) << err;
    ++seen;
  }
  EXPECT_EQ(seen, 2);
}

// Each of the seed's first 1,000 bytes flipped in turn: all but the ignored header fields are
// caught, and a cut file is named with its size.
TEST(CheckpointArchive, AFlippedByteAnywhereIsCaught) {
  const std::vector<uint8_t> seed = read_bytes(kSeed);
  ASSERT_EQ(seed.size(), 8506u);
  int refused = 0;
  for (size_t at = 0; at < 1000; ++at) {
    std::vector<uint8_t> bad = seed;
    bad[at] ^= 0x5A;
    if (error_of([&] { check_checkpoint_archive(bad.data(), bad.size(), "x.pt"); }) != "(no error)") ++refused;
  }
  // Every byte there is a header, a name or stored data under a CRC; the 42 that pass are
  // header fields zip readers ignore (versions, times, flags, padding inside extra fields).
  EXPECT_EQ(refused, 958);
  const std::vector<uint8_t> cut(seed.begin(), seed.begin() + 4000);
  EXPECT_EQ(error_of([&] { check_checkpoint_archive(cut.data(), cut.size(), "x.pt"); })
                .rfind("checkpoint x.pt is corrupt or not a LibTorch archive (4000 bytes)", 0),
            0u);
}

}  // namespace
}  // namespace train
}  // namespace wrpn
