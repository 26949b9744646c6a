#include "wrpn/train/checkpoint_history.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "wrpn/train/atomic_file.h"

namespace wrpn {
namespace train {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPrefix = "checkpoint-step";
constexpr const char* kSuffix = ".pt";

// Zero-padded, so that names sort by step.
std::string history_name(int64_t step) { return fmt::format("{}{:010d}{}", kPrefix, step, kSuffix); }

bool is_history_name(const std::string& name) {
  const std::string prefix = kPrefix, suffix = kSuffix;
  return name.size() == prefix.size() + 10 + suffix.size() && name.rfind(prefix, 0) == 0 &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::vector<std::string> checkpoint_history(const std::string& run_folder) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(run_folder, ec)) {
    if (is_history_name(entry.path().filename().string())) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void keep_checkpoint_history(const std::string& checkpoint, int64_t global_step, int64_t keep) {
  if (keep <= 1) return;
  const fs::path folder = fs::path(checkpoint).parent_path();
  const std::string target = (folder / history_name(global_step)).string();
  ::unlink(target.c_str());
  if (::link(checkpoint.c_str(), target.c_str()) != 0) {
    std::ifstream in(checkpoint, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in) throw std::runtime_error(fmt::format("cannot read {} to keep it: {}", checkpoint, std::strerror(errno)));
    write_file_atomically(target, bytes.str());
  }
  auto files = checkpoint_history(folder.string());
  for (size_t i = 0; i + size_t(keep) < files.size(); ++i) {
    if (::unlink(files[i].c_str()) != 0 && errno != ENOENT) {
      throw std::runtime_error(fmt::format("cannot delete the old checkpoint {}: {}", files[i], std::strerror(errno)));
    }
  }
}

}  // namespace train
}  // namespace wrpn
