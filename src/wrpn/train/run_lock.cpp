#include "wrpn/train/run_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace wrpn {
namespace train {

RunLock::RunLock(const std::string& run_folder) {
  const std::string path = run_folder + "/.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {0};
    const ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw std::runtime_error(fmt::format("run folder {} is in use by another wrpn train (pid {}); stop it first",
                                           run_folder, n > 0 ? std::string(holder, size_t(n)) : "unknown"));
    }
    throw std::runtime_error(fmt::format("cannot lock {}: {}", path, std::strerror(error)));
  }
  const std::string pid = std::to_string(::getpid());
  // The pid is only for the message above; a failed write costs nothing but that.
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace train
}  // namespace wrpn
