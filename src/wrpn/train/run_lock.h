// One trainer per run folder: an exclusive lock on <run>/.lock for the life of the run, which
// the kernel drops when the process dies however it dies (SIGKILL included), so a relaunch
// never waits for a stale lock and never trains beside a trainer still alive.
#pragma once

#include <string>

namespace wrpn {
namespace train {

class RunLock {
 public:
  /// Throws std::runtime_error naming the folder (and the holder's pid when it is known) when
  /// another process holds the lock, or the system error when the lock file cannot be made.
  explicit RunLock(const std::string& run_folder);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace train
}  // namespace wrpn
