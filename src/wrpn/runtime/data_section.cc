#include "wrpn/runtime/data_section.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime {
namespace {

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

std::string span_text(const PayloadSpan& s) {
  return "[" + std::to_string(s.offset) + ", +" + std::to_string(s.size) + ")";
}

// Padding is zero so that a file has one byte image: equal models give equal files and checksums.
void require_zero(const uint8_t* bytes, uint64_t begin, uint64_t end, const std::string& where) {
  for (uint64_t i = begin; i < end; ++i) {
    if (bytes[i] != 0) {
      char text[8];
      std::snprintf(text, sizeof(text), "0x%02x", bytes[i]);
      fail("padding byte at offset " + std::to_string(i) + " " + where + " is " + text + ", must be zero");
    }
  }
}

}  // namespace

void check_data_section(const uint8_t* bytes, size_t size, size_t tables_end, uint64_t data_offset,
                        const std::vector<PayloadSpan>& spans) {
  if (data_offset < tables_end || data_offset > size || data_offset % kDataAlignment != 0) {
    fail("data offset " + std::to_string(data_offset) + " is not a 64-byte aligned offset between the tables' end (" +
         std::to_string(tables_end) + ") and the file size (" + std::to_string(size) + ")");
  }
  if (size % kDataAlignment != 0) fail("file size " + std::to_string(size) + " is not a multiple of 64");
  require_zero(bytes, tables_end, data_offset, "between the tables and the data offset");

  std::vector<size_t> order;
  for (size_t i = 0; i < spans.size(); ++i) {
    const PayloadSpan& s = spans[i];
    const std::string where = "tensor " + std::to_string(i) + ": payload " + span_text(s);
    if (s.offset < data_offset || s.offset > size || s.size > size - s.offset) {
      fail(where + " lies outside the data section [" + std::to_string(data_offset) + ", " + std::to_string(size) +
           ")");
    }
    if (s.offset % kDataAlignment != 0) fail(where + " does not start on a multiple of 64");
    order.push_back(i);
  }
  // In file order, each payload must start at or after the previous one's end.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return spans[a].offset < spans[b].offset; });
  uint64_t cursor = data_offset;
  for (size_t k = 0; k < order.size(); ++k) {
    const PayloadSpan& s = spans[order[k]];
    if (k > 0 && s.offset < cursor) {
      fail("tensor " + std::to_string(order[k]) + ": payload " + span_text(s) + " overlaps tensor " +
           std::to_string(order[k - 1]) + "'s " + span_text(spans[order[k - 1]]));
    }
    require_zero(bytes, cursor, s.offset,
                 k == 0 ? std::string("before the first payload")
                        : "after tensor " + std::to_string(order[k - 1]) + "'s payload");
    cursor = s.offset + s.size;
  }
  require_zero(bytes, cursor, size,
               order.empty() ? std::string("in the empty data section") : "after the last payload");
}

}  // namespace wrpn::runtime
