// Finding and editing fields of a written .wrpn file, for tests that corrupt one field and
// expect the reader to name it. Offsets are computed from docs/FORMAT.md, not from the writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime::testing {

struct FileLayout {
  size_t input_at = 0;                // input channels
  std::vector<size_t> value_at;       // each value record (its kind byte)
  std::vector<size_t> tensor_at;      // each tensor record (its type byte)
  std::vector<size_t> node_at;        // each node record (its op)
  std::vector<size_t> attr_count_at;  // each node's attr_count; attribute k follows at +4 + 4k
  size_t tables_end = 0;              // just past the data offset field
  size_t data_offset = 0;
  std::vector<size_t> payload_at;  // each tensor's payload, as the writer places them
  size_t tensor_offset_field(const ModelFile& m, size_t t) const {
    return tensor_at[t] + 4 + 4 * m.tensors[t].dims.size();
  }
  size_t attr_at(size_t node, size_t k) const { return attr_count_at[node] + 4 + 4 * k; }
};

FileLayout layout_of(const ModelFile& m);

// The reader's error for these bytes, or "(no error)".
std::string read_error(const std::vector<uint8_t>& bytes);

// Little-endian stores that also refresh the body checksum.
std::vector<uint8_t> with_u8(std::vector<uint8_t> b, size_t at, uint8_t v);
std::vector<uint8_t> with_u16(std::vector<uint8_t> b, size_t at, uint16_t v);
std::vector<uint8_t> with_u32(std::vector<uint8_t> b, size_t at, uint32_t v);
std::vector<uint8_t> with_u64(std::vector<uint8_t> b, size_t at, uint64_t v);

// Inserts `extra` at `at` (inside the tables) and drops as many bytes of the zero padding
// before the data offset, so every payload offset stays true. Needs that much padding.
std::vector<uint8_t> insert_in_tables(std::vector<uint8_t> b, const FileLayout& layout, size_t at,
                                      const std::vector<uint8_t>& extra);

// `m` with its info text lengthened until at least `bytes` of padding precede the data offset.
ModelFile with_padding_room(ModelFile m, size_t bytes);

}  // namespace wrpn::runtime::testing
