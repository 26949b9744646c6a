// Little-endian byte cursors for the .wrpn format. The reader checks every read against
// the bytes left, so a truncated or lying file fails with a message, never reads past the end.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace wrpn::runtime {

class ByteWriter {
 public:
  void u8(uint8_t v) { bytes_.push_back(v); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void i32(int32_t v) { put(uint32_t(v), 4); }
  void u64(uint64_t v) { put(v, 8); }
  void f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    u32(bits);
  }
  void raw(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + n);
  }
  void pad_to(size_t multiple) {
    while (bytes_.size() % multiple != 0) bytes_.push_back(0);
  }
  size_t size() const { return bytes_.size(); }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes_.push_back(uint8_t(v >> (8 * i)));
  }
  std::vector<uint8_t> bytes_;
};

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size, size_t pos = 0) : data_(data), size_(size), pos_(pos) {}

  uint8_t u8(const char* what) { return uint8_t(get(1, what)); }
  uint16_t u16(const char* what) { return uint16_t(get(2, what)); }
  uint32_t u32(const char* what) { return uint32_t(get(4, what)); }
  int32_t i32(const char* what) { return int32_t(uint32_t(get(4, what))); }
  uint64_t u64(const char* what) { return get(8, what); }
  float f32(const char* what) {
    const uint32_t bits = u32(what);
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  // Throws unless `n` more bytes exist; returns a pointer to them and advances.
  const uint8_t* take(uint64_t n, const char* what) {
    need(n, what);
    const uint8_t* p = data_ + pos_;
    pos_ += size_t(n);
    return p;
  }
  // A count of items of at least `item_bytes` each: rejected at once if the file cannot hold them.
  uint32_t count(const char* what, size_t item_bytes, uint32_t limit) {
    const uint32_t n = u32(what);
    if (n > limit) {
      throw std::runtime_error(std::string(what) + " " + std::to_string(n) + " exceeds the limit " +
                               std::to_string(limit));
    }
    need(uint64_t(n) * item_bytes, what);
    return n;
  }
  size_t pos() const { return pos_; }
  size_t left() const { return size_ - pos_; }

 private:
  void need(uint64_t n, const char* what) const {
    if (n > size_ - pos_) {
      throw std::runtime_error("truncated model file: " + std::string(what) + " needs " + std::to_string(n) +
                               " bytes at offset " + std::to_string(pos_) + ", only " + std::to_string(size_ - pos_) +
                               " left");
    }
  }
  uint64_t get(int n, const char* what) {
    const uint8_t* p = take(uint64_t(n), what);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
    return v;
  }
  const uint8_t* data_;
  size_t size_;
  size_t pos_;
};

}  // namespace wrpn::runtime
