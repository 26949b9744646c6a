// Tensor sizes, weight-code packing and the .wrpn writer (docs/FORMAT.md).
#include <zlib.h>

#include <stdexcept>
#include <string>

#include "wrpn/runtime/atomic_file.h"
#include "wrpn/runtime/byte_io.h"
#include "wrpn/runtime/graph_check.h"
#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime {

size_t TensorInfo::elements() const {
  size_t n = 1;
  for (int d : dims) n *= size_t(d);
  return n;
}

size_t TensorInfo::payload_bytes() const {
  return type == TensorType::kFloat32 ? elements() * 4 : (elements() * size_t(bits) + 7) / 8;
}

std::vector<uint8_t> pack_signed_codes(const int8_t* codes, size_t count, int bits) {
  if (bits < 1 || bits > 8) throw std::invalid_argument("weight code bits must be 1..8, got " + std::to_string(bits));
  std::vector<uint8_t> out((count * size_t(bits) + 7) / 8, 0);
  const unsigned mask = (1u << bits) - 1;
  for (size_t i = 0; i < count; ++i) {
    // At 1 bit the code's sign is stored (bit 1 = -1); otherwise two's complement in `bits` bits.
    const unsigned field = bits == 1 ? (codes[i] < 0 ? 1u : 0u) : unsigned(codes[i]) & mask;
    for (int b = 0; b < bits; ++b) {
      const size_t bit = i * size_t(bits) + size_t(b);
      if ((field >> b) & 1u) out[bit / 8] |= uint8_t(1u << (bit % 8));
    }
  }
  return out;
}

void unpack_signed_codes(const uint8_t* packed, size_t count, int bits, int8_t* codes) {
  for (size_t i = 0; i < count; ++i) {
    unsigned field = 0;
    for (int b = 0; b < bits; ++b) {
      const size_t bit = i * size_t(bits) + size_t(b);
      field |= unsigned((packed[bit / 8] >> (bit % 8)) & 1u) << b;
    }
    if (bits == 1) {
      codes[i] = field ? -1 : 1;
    } else {
      // Sign-extend the two's-complement field.
      codes[i] = int8_t(int(field << (32 - bits)) >> (32 - bits));
    }
  }
}

std::vector<uint8_t> write_model(const ModelFile& model) {
  validate_graph(model);  // never write a file the reader would reject
  ByteWriter body;
  body.u32(uint32_t(model.info.size()));
  body.raw(model.info.data(), model.info.size());
  const InputSpec& in = model.input;
  body.u32(uint32_t(in.channels));
  body.u32(uint32_t(in.height));
  body.u32(uint32_t(in.width));
  for (float s : in.scale) body.f32(s);
  for (float s : in.shift) body.f32(s);

  body.u32(uint32_t(model.values.size()));
  for (const ValueInfo& v : model.values) {
    body.u8(uint8_t(v.kind));
    body.u8(uint8_t(v.bits));
    body.u16(0);
    body.u32(uint32_t(v.channels));
    body.u32(uint32_t(v.height));
    body.u32(uint32_t(v.width));
    if (model.version_minor >= 2) body.f32(v.range);
  }

  // Payload offsets are absolute file offsets, so lay out the table first: its size is known.
  size_t table_bytes = 4;
  for (const TensorInfo& t : model.tensors) table_bytes += 4 + 4 * t.dims.size() + 16;
  size_t nodes_bytes = 4;
  for (const Node& n : model.nodes) nodes_bytes += 4 * (5 + n.inputs.size() + n.attrs.size() + n.tensors.size());
  const size_t table_end = kHeaderBytes + body.size() + table_bytes + nodes_bytes + 4 + 8;
  auto align = [](size_t x) { return (x + kDataAlignment - 1) / kDataAlignment * kDataAlignment; };
  const size_t data_offset = align(table_end);
  std::vector<size_t> offsets;
  size_t cursor = data_offset;
  for (const TensorInfo& t : model.tensors) {
    offsets.push_back(cursor);
    cursor = align(cursor + t.data.size());
  }

  body.u32(uint32_t(model.tensors.size()));
  for (size_t i = 0; i < model.tensors.size(); ++i) {
    const TensorInfo& t = model.tensors[i];
    body.u8(uint8_t(t.type));
    body.u8(uint8_t(t.bits));
    body.u16(uint16_t(t.dims.size()));
    for (int d : t.dims) body.u32(uint32_t(d));
    body.u64(offsets[i]);
    body.u64(t.data.size());
  }
  body.u32(uint32_t(model.nodes.size()));
  for (const Node& n : model.nodes) {
    body.u32(uint32_t(n.op));
    body.u32(uint32_t(n.inputs.size()));
    for (uint32_t v : n.inputs) body.u32(v);
    body.u32(n.output);
    body.u32(uint32_t(n.attrs.size()));
    for (int32_t a : n.attrs) body.i32(a);
    body.u32(uint32_t(n.tensors.size()));
    for (uint32_t t : n.tensors) body.u32(t);
  }
  body.u32(model.output);
  body.u64(data_offset);
  for (size_t i = 0; i < model.tensors.size(); ++i) {
    while (kHeaderBytes + body.size() < offsets[i]) body.u8(0);
    body.raw(model.tensors[i].data.data(), model.tensors[i].data.size());
  }
  while ((kHeaderBytes + body.size()) % kDataAlignment != 0) body.u8(0);

  ByteWriter file;
  file.raw(kMagic, sizeof(kMagic));
  file.u16(kVersionMajor);
  file.u16(model.version_minor);
  file.u32(kByteOrderMark);
  file.u64(body.size());
  file.u32(uint32_t(crc32_z(0L, body.bytes().data(), body.size())));
  file.u32(0);
  file.raw(body.bytes().data(), body.size());
  return std::move(file.bytes());
}

void write_model_file(const ModelFile& model, const std::string& path) {
  const std::vector<uint8_t> bytes = write_model(model);
  // Beside the target and renamed: an interrupted or failed export never leaves a half file.
  write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace wrpn::runtime
