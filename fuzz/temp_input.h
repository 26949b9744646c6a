// The fuzz input as files, for parsers that take a path: a folder of this process's own (in
// /dev/shm where there is one, so no disk is touched), removed at exit.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace wrpn {
namespace fuzz {

class TempFolder {
 public:
  explicit TempFolder(const std::string& tag) {
    namespace fs = std::filesystem;
    const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    path_ = base / ("wrpn-fuzz-" + tag + "-" + std::to_string(::getpid()));
    fs::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

  /// Writes `size` bytes to `name` in the folder; returns its path.
  std::string write(const std::string& name, const uint8_t* data, size_t size) const {
    const std::string path = file(name);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    if (!out) std::abort();  // the harness, not the parser, failed
    return path;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace fuzz
}  // namespace wrpn
