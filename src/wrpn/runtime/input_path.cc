#include "wrpn/runtime/input_path.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace wrpn {
namespace runtime {
namespace {

[[noreturn]] void fail_as(const std::string& what, const std::string& path, const std::string& is) {
  throw std::runtime_error(what + " " + path + " " + is);
}

}  // namespace

void require_readable_file(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status s = fs::status(path, ec);  // follows symlinks
  const auto fail = [&](const std::string& is) { fail_as(what, path, is); };
  if (ec) {
    if (ec.value() == ELOOP) fail("is a symlink loop");
    if (ec.value() == ENOENT)
      fail(fs::is_symlink(fs::symlink_status(path, ec)) ? "is a dangling symlink" : "does not exist");
    fail("cannot be examined: " + ec.message());
  }
  switch (s.type()) {
    case fs::file_type::regular:
      break;
    case fs::file_type::not_found:
      fail_as(what, path, "does not exist");
    case fs::file_type::directory:
      fail_as(what, path, "is a directory, not a file");
    case fs::file_type::fifo:
      fail_as(what, path, "is a FIFO, not a file");
    case fs::file_type::character:
    case fs::file_type::block:
      fail_as(what, path, "is a device, not a file");
    case fs::file_type::socket:
      fail_as(what, path, "is a socket, not a file");
    default:
      fail_as(what, path, "is not a regular file");
  }
  if (::access(path.c_str(), R_OK) != 0) fail(std::string("cannot be read: ") + std::strerror(errno));
}

}  // namespace runtime
}  // namespace wrpn
