#include "wrpn/data/idx.h"

#include "wrpn/runtime/input_path.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <sys/stat.h>

namespace wrpn {
namespace data {
namespace {

constexpr uint8_t kUnsignedByteType = 0x08;
// MNIST's largest arrays are 47 MB; anything claiming more than this is corrupt.
constexpr int64_t kMaxElements = int64_t{1} << 32;
// Values are read this much at a time.
constexpr int64_t kReadChunk = int64_t{1} << 24;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// Reads exactly `size` bytes; returns how many were available before the end of the file. A
// read error (EIO, a corrupt gzip stream) is not an end: it throws, naming the file and why.
int64_t read_bytes(gzFile file, uint8_t* out, int64_t size, const std::string& path) {
  int64_t done = 0;
  while (done < size) {
    const unsigned chunk = unsigned(std::min<int64_t>(size - done, int64_t{1} << 30));
    errno = 0;
    const int got = gzread(file, out + done, chunk);
    if (got < 0) {
      const int saved = errno;
      int code = Z_OK;
      std::string reason = gzerror(file, &code);
      if (reason.rfind(path + ": ", 0) == 0) reason.erase(0, path.size() + 2);  // zlib prefixes the path
      throw std::runtime_error(
          fmt::format("cannot read IDX file {}: {}", path, code == Z_ERRNO ? std::strerror(saved) : reason));
    }
    if (got == 0) break;
    done += got;
  }
  return done;
}

}  // namespace

IdxArray read_idx(const std::string& path, int expected_dims) {
  runtime::require_readable_file(path, "IDX file");
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file) throw std::runtime_error(fmt::format("cannot open IDX file {}: {}", path, std::strerror(errno)));

  uint8_t magic[4];
  if (read_bytes(file.get(), magic, 4, path) != 4) {
    throw std::runtime_error(fmt::format("IDX file {} is truncated: no 4-byte header", path));
  }
  const uint32_t magic_value = uint32_t(magic[0]) << 24 | uint32_t(magic[1]) << 16 | uint32_t(magic[2]) << 8 | magic[3];
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != kUnsignedByteType) {
    throw std::runtime_error(
        fmt::format("IDX file {} has bad magic 0x{:08x} (expected 0x000008{:02x})", path, magic_value, expected_dims));
  }
  if (magic[3] != expected_dims) {
    throw std::runtime_error(
        fmt::format("IDX file {} has {} dimensions, expected {}", path, int(magic[3]), expected_dims));
  }
  IdxArray array;
  int64_t elements = 1;
  for (int d = 0; d < expected_dims; ++d) {
    uint8_t be[4];
    if (read_bytes(file.get(), be, 4, path) != 4) {
      throw std::runtime_error(fmt::format("IDX file {} is truncated in the size of dimension {}", path, d));
    }
    const int64_t dim = int64_t(be[0]) << 24 | int64_t(be[1]) << 16 | int64_t(be[2]) << 8 | be[3];
    if (dim == 0) throw std::runtime_error(fmt::format("IDX file {} has dimension {} = 0", path, d));
    array.dims.push_back(dim);
    // Both factors are below 2^33, so the product fits 64 unsigned bits (not 63 signed ones).
    const uint64_t product = uint64_t(elements) * uint64_t(dim);
    if (product > uint64_t(kMaxElements)) {
      throw std::runtime_error(fmt::format("IDX file {} claims {} elements: too large", path, product));
    }
    elements = int64_t(product);
  }
  // The header is not trusted with the allocation: a few bytes can claim 4 G elements, so the
  // values grow with what the file really holds.
  int64_t got = 0;
  while (got < elements) {
    const int64_t chunk = std::min(elements - got, kReadChunk);
    array.values.resize(size_t(got + chunk));
    const int64_t read = read_bytes(file.get(), array.values.data() + got, chunk, path);
    got += read;
    if (read < chunk) break;
  }
  if (got != elements) {
    throw std::runtime_error(
        fmt::format("IDX file {} is truncated: expected {} data bytes, got {}", path, elements, got));
  }
  uint8_t extra;
  if (read_bytes(file.get(), &extra, 1, path) != 0) {
    throw std::runtime_error(fmt::format("IDX file {} has trailing bytes after its {} elements", path, elements));
  }
  return array;
}

}  // namespace data
}  // namespace wrpn
