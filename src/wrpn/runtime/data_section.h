// The data section of a .wrpn file (docs/FORMAT.md, "Data section"): where the tensor
// payloads lie and that every other byte there is zero padding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wrpn::runtime {

// One tensor's payload as its record states it.
struct PayloadSpan {
  uint64_t offset = 0, size = 0;
};

// Checks, throwing std::runtime_error naming the tensor or the byte offset: the data offset is
// a multiple of 64 in [tables_end, file size]; the file size is a multiple of 64; each payload
// starts on a multiple of 64, lies inside [data offset, file size) and overlaps no other; every
// byte from tables_end to the end of the file that no payload covers is zero.
void check_data_section(const uint8_t* bytes, size_t size, size_t tables_end, uint64_t data_offset,
                        const std::vector<PayloadSpan>& spans);

}  // namespace wrpn::runtime
