#include "wrpn/train/checkpoint_archive.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace wrpn {
namespace train {
namespace {

constexpr uint32_t kEndSignature = 0x06054b50, kCentralSignature = 0x02014b50, kLocalSignature = 0x04034b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50, kZip64LocatorSignature = 0x07064b50;
constexpr size_t kEndBytes = 22, kCentralBytes = 46, kLocalBytes = 30, kZip64LocatorBytes = 20, kZip64EndBytes = 56;
constexpr uint16_t kStored = 0, kDeflated = 8;

// Bounds-checked little-endian reads of one buffer; every failure names the file.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size, const std::string& name) : data_(data), size_(size), name_(name) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(
        fmt::format("checkpoint {} is corrupt or not a LibTorch archive ({} bytes): {}", name_, size_, what));
  }
  // Not a zip at all: nothing more to say than that.
  [[noreturn]] void fail_not_zip() const {
    throw std::runtime_error(fmt::format("checkpoint {} is corrupt or not a LibTorch archive ({} bytes)", name_, size_));
  }
  // [at, at + n) lies inside the file (no overflow in the sum).
  bool inside(uint64_t at, uint64_t n) const { return at <= size_ && n <= size_ - at; }
  void require(uint64_t at, uint64_t n, const std::string& what) const {
    if (!inside(at, n)) fail(fmt::format("{} ([{}, +{}) of {} bytes) lies outside the file", what, at, n, size_));
  }
  uint64_t le(uint64_t at, int bytes) const {
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = v << 8 | data_[at + uint64_t(i)];
    return v;
  }
  const uint8_t* at(uint64_t offset) const { return data_ + offset; }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  const std::string& name_;
};

struct Directory {
  uint64_t entries = 0, offset = 0, bytes = 0;
};

// The end of central directory record: the last signature that leaves room for its comment.
Directory find_directory(const Reader& r) {
  if (r.size() < kEndBytes) r.fail_not_zip();
  const uint64_t lowest = r.size() > kEndBytes + 0xFFFF ? r.size() - kEndBytes - 0xFFFF : 0;
  uint64_t end = r.size() - kEndBytes;
  while (!(r.le(end, 4) == kEndSignature && end + kEndBytes + r.le(end + 20, 2) == r.size())) {
    if (end == lowest) r.fail_not_zip();  // no end-of-directory record
    --end;
  }
  Directory d{r.le(end + 10, 2), r.le(end + 16, 4), r.le(end + 12, 4)};
  if (d.entries == 0xFFFF || d.offset == 0xFFFFFFFF || d.bytes == 0xFFFFFFFF) {
    if (end < kZip64LocatorBytes || r.le(end - kZip64LocatorBytes, 4) != kZip64LocatorSignature) {
      r.fail("a zip64 archive without its zip64 locator");
    }
    const uint64_t at = r.le(end - kZip64LocatorBytes + 8, 8);
    r.require(at, kZip64EndBytes, "the zip64 end record");
    if (r.le(at, 4) != kZip64EndSignature) r.fail(fmt::format("no zip64 end record at offset {}", at));
    d = {r.le(at + 32, 8), r.le(at + 48, 8), r.le(at + 40, 8)};
  }
  r.require(d.offset, d.bytes, "the central directory");
  if (d.entries == 0) r.fail("the archive has no records");
  // Each entry takes at least its fixed part: a count the directory cannot hold is a lie.
  if (d.entries > d.bytes / kCentralBytes) {
    r.fail(fmt::format("{} records claimed in a {}-byte central directory", d.entries, d.bytes));
  }
  return d;
}

// CRC-32 of the record's data as stored, or as inflated in fixed-size pieces (the sizes in the
// headers are checked against what the stream holds, never used to allocate).
uint32_t data_crc(const Reader& r, uint16_t method, uint64_t at, uint64_t stored, uint64_t size,
                  const std::string& record) {
  if (method == kStored) {
    if (stored != size) r.fail(fmt::format("stored record '{}' has {} bytes but says {}", record, stored, size));
    uLong crc = crc32_z(0L, r.at(at), size_t(stored));
    return uint32_t(crc);
  }
  if (method != kDeflated) r.fail(fmt::format("record '{}' uses compression method {}", record, method));
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) r.fail("cannot start zlib");
  uint8_t piece[1 << 16];
  uLong crc = crc32_z(0L, nullptr, 0);
  uint64_t out = 0, fed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (z.avail_in == 0 && fed < stored) {
      const uint64_t n = std::min<uint64_t>(stored - fed, 1u << 30);
      z.next_in = const_cast<Bytef*>(r.at(at + fed));
      z.avail_in = uInt(n);
      fed += n;
    }
    z.next_out = piece;
    z.avail_out = sizeof(piece);
    rc = inflate(&z, Z_NO_FLUSH);
    const uint64_t produced = sizeof(piece) - z.avail_out;
    crc = crc32_z(crc, piece, size_t(produced));
    out += produced;
    if ((rc != Z_OK && rc != Z_STREAM_END) || out > size || (rc == Z_OK && produced == 0 && z.avail_in == 0)) {
      inflateEnd(&z);
      r.fail(fmt::format("deflated record '{}' does not inflate to its {} bytes", record, size));
    }
  }
  inflateEnd(&z);
  if (out != size) r.fail(fmt::format("deflated record '{}' inflates to {} bytes but says {}", record, out, size));
  return uint32_t(crc);
}

// Sizes and offset of a central entry, from its zip64 extra field where the 32-bit ones are full.
void apply_zip64(const Reader& r, uint64_t extra, uint64_t extra_bytes, uint64_t& size, uint64_t& stored,
                 uint64_t& local, const std::string& record) {
  uint64_t p = extra;
  while (p + 4 <= extra + extra_bytes) {
    const uint64_t id = r.le(p, 2), n = r.le(p + 2, 2);
    if (p + 4 + n > extra + extra_bytes) break;
    if (id == 0x0001) {
      uint64_t q = p + 4;
      for (uint64_t* field : {&size, &stored, &local}) {
        if (*field != 0xFFFFFFFF) continue;
        if (q + 8 > p + 4 + n) r.fail(fmt::format("record '{}' has a short zip64 field", record));
        *field = r.le(q, 8);
        q += 8;
      }
      return;
    }
    p += 4 + n;
  }
  if (size == 0xFFFFFFFF || stored == 0xFFFFFFFF || local == 0xFFFFFFFF) {
    r.fail(fmt::format("record '{}' needs a zip64 field it does not have", record));
  }
}

}  // namespace

void check_checkpoint_archive(const uint8_t* data, size_t size, const std::string& name) {
  const Reader r(data, size, name);
  const Directory d = find_directory(r);
  uint64_t p = d.offset;
  for (uint64_t i = 0; i < d.entries; ++i) {
    r.require(p, kCentralBytes, fmt::format("central directory entry {}", i));
    if (r.le(p, 4) != kCentralSignature) r.fail(fmt::format("central directory entry {} has no signature", i));
    const uint16_t method = uint16_t(r.le(p + 10, 2));
    const uint32_t crc = uint32_t(r.le(p + 16, 4));
    uint64_t stored = r.le(p + 20, 4), bytes = r.le(p + 24, 4), local = r.le(p + 42, 4);
    const uint64_t name_bytes = r.le(p + 28, 2), extra_bytes = r.le(p + 30, 2), comment_bytes = r.le(p + 32, 2);
    const uint64_t entry_bytes = kCentralBytes + name_bytes + extra_bytes + comment_bytes;
    if (p + entry_bytes > d.offset + d.bytes) r.fail(fmt::format("central directory entry {} overruns it", i));
    const std::string record(reinterpret_cast<const char*>(r.at(p + kCentralBytes)), size_t(name_bytes));
    apply_zip64(r, p + kCentralBytes + name_bytes, extra_bytes, bytes, stored, local, record);
    // The local header and data must lie before the directory, and name the same record.
    r.require(local, kLocalBytes, fmt::format("the header of record '{}'", record));
    if (r.le(local, 4) != kLocalSignature) r.fail(fmt::format("record '{}' has no local header signature", record));
    const uint64_t local_name = r.le(local + 26, 2), local_extra = r.le(local + 28, 2);
    if (local_name != name_bytes || !r.inside(local + kLocalBytes, local_name) ||
        std::memcmp(r.at(local + kLocalBytes), r.at(p + kCentralBytes), size_t(name_bytes)) != 0) {
      r.fail(fmt::format("record '{}' has another name in its local header", record));
    }
    const uint64_t start = local + kLocalBytes + local_name + local_extra;
    if (!r.inside(start, stored) || start + stored > d.offset) {
      r.fail(fmt::format("the {} bytes of record '{}' at offset {} overrun the records", stored, record, start));
    }
    const uint32_t actual = data_crc(r, method, start, stored, bytes, record);
    if (actual != crc) {
      r.fail(fmt::format("record '{}' fails its CRC-32 (says {:08x}, data has {:08x})", record, crc, actual));
    }
    p += entry_bytes;
  }
}

void check_checkpoint_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(fmt::format("checkpoint {} cannot be opened: {}", path, std::strerror(errno)));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw std::runtime_error(fmt::format("checkpoint {} is not a regular file", path));
  }
  const size_t size = size_t(st.st_size);
  if (size == 0) {
    ::close(fd);
    throw std::runtime_error(fmt::format("checkpoint {} is corrupt or not a LibTorch archive (0 bytes)", path));
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw std::runtime_error(fmt::format("checkpoint {} cannot be mapped", path));
  try {
    check_checkpoint_archive(static_cast<const uint8_t*>(map), size, path);
  } catch (...) {
    ::munmap(map, size);
    throw;
  }
  ::munmap(map, size);
}

}  // namespace train
}  // namespace wrpn
