// The atomic writer (runtime/atomic_file.h) that every output file goes through: a failed write
// names the file and the system's reason, leaves the previous file as it was and no temp file.
// A write that the file-size limit stops (EFBIG, no root needed) stands in for a full disk;
// tests/reliability/disk_full_test.sh fills a real tmpfs.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "wrpn/runtime/atomic_file.h"

namespace wrpn::runtime {
namespace {

namespace fs = std::filesystem;

struct Folder {
  Folder() : path(fs::temp_directory_path() / ("wrpn-atomic-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Folder() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  fs::path path;
};

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string error_of(const std::string& path, const std::string& bytes) {
  try {
    write_file_atomically(path, bytes.data(), bytes.size());
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(AtomicFile, ReplacesTheFileAndLeavesNoTempFile) {
  Folder dir;
  const std::string path = dir.file("model.wrpn");
  write_file_atomically(path, "first", 5);
  write_file_atomically(path, "second!", 7);
  EXPECT_EQ(contents(path), "second!");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  write_file_atomically(path, "", 0);
  EXPECT_EQ(fs::file_size(path), 0u);
}

TEST(AtomicFile, MissingFolderIsNamedWithTheSystemReason) {
  Folder dir;
  const std::string path = dir.file("no/such/model.wrpn");
  EXPECT_EQ(error_of(path, "x"), "cannot create " + path + ".tmp: No such file or directory");
}

TEST(AtomicFile, AWriteThatFailsHalfWayKeepsThePreviousFile) {
  Folder dir;
  const std::string path = dir.file("checkpoint.pt");
  write_file_atomically(path, "the previous checkpoint", 23);
  // Writes past 4 KiB fail with EFBIG (the signal that would end the process is ignored).
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string error = error_of(path, std::string(10000, 'n'));
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(error, "cannot write " + path + " (10000 bytes): File too large");
  EXPECT_EQ(contents(path), "the previous checkpoint");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

}  // namespace
}  // namespace wrpn::runtime
