#include "file_edit.h"

#include <stdexcept>

#include "tiny_model.h"

namespace wrpn::runtime::testing {
namespace {

size_t align64(size_t x) { return (x + 63) / 64 * 64; }

std::vector<uint8_t> with_le(std::vector<uint8_t> b, size_t at, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.at(at + size_t(i)) = uint8_t(v >> (8 * i));
  refresh_checksum(b);
  return b;
}

}  // namespace

FileLayout layout_of(const ModelFile& m) {
  FileLayout l;
  size_t at = kHeaderBytes + 4 + m.info.size();
  l.input_at = at;
  at += 12 + 8 * size_t(m.input.channels) + 4;
  const size_t value_bytes = m.version_minor >= 2 ? 20 : 16;  // 1.2 adds the range
  for (size_t i = 0; i < m.values.size(); ++i, at += value_bytes) l.value_at.push_back(at);
  at += 4;
  for (const TensorInfo& t : m.tensors) {
    l.tensor_at.push_back(at);
    at += 4 + 4 * t.dims.size() + 16;
  }
  at += 4;
  for (const Node& n : m.nodes) {
    l.node_at.push_back(at);
    l.attr_count_at.push_back(at + 8 + 4 * n.inputs.size() + 4);
    at += 4 * (5 + n.inputs.size() + n.attrs.size() + n.tensors.size());
  }
  l.tables_end = at + 4 + 8;
  l.data_offset = align64(l.tables_end);
  size_t cursor = l.data_offset;
  for (const TensorInfo& t : m.tensors) {
    l.payload_at.push_back(cursor);
    cursor = align64(cursor + t.payload_bytes());
  }
  return l;
}

std::string read_error(const std::vector<uint8_t>& bytes) {
  try {
    read_model(bytes.data(), bytes.size());
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<uint8_t> with_u8(std::vector<uint8_t> b, size_t at, uint8_t v) { return with_le(std::move(b), at, v, 1); }
std::vector<uint8_t> with_u16(std::vector<uint8_t> b, size_t at, uint16_t v) { return with_le(std::move(b), at, v, 2); }
std::vector<uint8_t> with_u32(std::vector<uint8_t> b, size_t at, uint32_t v) { return with_le(std::move(b), at, v, 4); }
std::vector<uint8_t> with_u64(std::vector<uint8_t> b, size_t at, uint64_t v) { return with_le(std::move(b), at, v, 8); }

std::vector<uint8_t> insert_in_tables(std::vector<uint8_t> b, const FileLayout& layout, size_t at,
                                      const std::vector<uint8_t>& extra) {
  if (at > layout.tables_end || layout.data_offset - layout.tables_end < extra.size()) {
    throw std::logic_error("insert_in_tables: not inside the tables, or too little padding");
  }
  b.insert(b.begin() + long(at), extra.begin(), extra.end());
  const auto pad = b.begin() + long(layout.tables_end + extra.size());
  b.erase(pad, pad + long(extra.size()));
  refresh_checksum(b);
  return b;
}

ModelFile with_padding_room(ModelFile m, size_t bytes) {
  for (;;) {
    const FileLayout l = layout_of(m);
    if (l.data_offset - l.tables_end >= bytes) return m;
    m.info += ' ';
  }
}

}  // namespace wrpn::runtime::testing
