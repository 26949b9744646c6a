// The .wrpn reader: every field is checked before it is used (docs/FORMAT.md, "Validation").
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "wrpn/runtime/byte_io.h"
#include "wrpn/runtime/graph_check.h"
#include "wrpn/runtime/model_format.h"

namespace wrpn::runtime {
namespace {

// Generous ceilings that keep a hostile count from allocating gigabytes before the
// size check catches it.
constexpr uint32_t kMaxDim = 1u << 16;
constexpr uint32_t kMaxItems = 1u << 16;
constexpr uint32_t kMaxInfoBytes = 1u << 20;
constexpr uint32_t kMaxRank = 4;
constexpr uint64_t kMaxElements = uint64_t(1) << 31;

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

int read_dim(ByteReader& r, const char* what) {
  const uint32_t d = r.u32(what);
  if (d < 1 || d > kMaxDim) fail(std::string(what) + " " + std::to_string(d) + " outside 1.." + std::to_string(kMaxDim));
  return int(d);
}

void read_header(const uint8_t* bytes, size_t size, ModelFile& model) {
  // The magic first: a file that is not ours says so, however short it is.
  if (size > 0 && std::memcmp(bytes, kMagic, std::min(size, sizeof(kMagic))) != 0) {
    fail("not a .wrpn model: wrong magic (expected \"WRPNMODL\")");
  }
  if (size < kHeaderBytes) fail("truncated model file: " + std::to_string(size) + " bytes, the header alone is 32");
  ByteReader r(bytes, size);
  r.take(8, "magic");
  const uint16_t major = r.u16("version");
  model.version_minor = r.u16("version");
  if (major != kVersionMajor) {
    fail("unsupported .wrpn version " + std::to_string(major) + "." + std::to_string(model.version_minor) +
         " (this runtime reads version " + std::to_string(kVersionMajor) + ".x)");
  }
  const uint32_t bom = r.u32("byte-order mark");
  if (bom != kByteOrderMark) {
    char text[16];
    std::snprintf(text, sizeof(text), "0x%08x", bom);
    fail(std::string("byte-order mark ") + text + " is not 0x01020304: wrong endianness or corrupt header");
  }
  const uint64_t body = r.u64("body size");
  if (body != size - kHeaderBytes) {
    fail("truncated or padded model file: header says " + std::to_string(body) + " body bytes, file has " +
         std::to_string(size - kHeaderBytes));
  }
  const uint32_t stored = r.u32("checksum");
  const uint32_t actual = uint32_t(crc32_z(0L, bytes + kHeaderBytes, size - kHeaderBytes));
  if (stored != actual) fail("checksum mismatch: header says " + std::to_string(stored) + ", body has " + std::to_string(actual));
  if (r.u32("reserved") != 0) fail("reserved header field is not zero");
}

}  // namespace

ModelFile read_model(const uint8_t* bytes, size_t size) {
  ModelFile model;
  read_header(bytes, size, model);
  ByteReader r(bytes, size, kHeaderBytes);

  const uint32_t info_len = r.count("info length", 1, kMaxInfoBytes);
  const uint8_t* info = r.take(info_len, "info");
  model.info.assign(reinterpret_cast<const char*>(info), info_len);

  InputSpec& in = model.input;
  in.channels = read_dim(r, "input channels");
  in.height = read_dim(r, "input height");
  in.width = read_dim(r, "input width");
  for (int c = 0; c < in.channels; ++c) in.scale.push_back(r.f32("input scale"));
  for (int c = 0; c < in.channels; ++c) in.shift.push_back(r.f32("input shift"));

  const uint32_t value_count = r.count("value count", 16, kMaxItems);
  for (uint32_t i = 0; i < value_count; ++i) {
    ValueInfo v;
    const uint8_t kind = r.u8("value kind");
    if (kind > 1) fail("value " + std::to_string(i) + ": unknown kind " + std::to_string(kind));
    v.kind = ValueKind(kind);
    v.bits = r.u8("value bits");
    if (r.u16("value reserved") != 0) fail("value " + std::to_string(i) + ": reserved field is not zero");
    v.channels = read_dim(r, "value channels");
    v.height = read_dim(r, "value height");
    v.width = read_dim(r, "value width");
    model.values.push_back(v);
  }

  const uint32_t tensor_count = r.count("tensor count", 20, kMaxItems);
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (uint32_t i = 0; i < tensor_count; ++i) {
    TensorInfo t;
    const uint8_t type = r.u8("tensor type");
    if (type > 1) fail("tensor " + std::to_string(i) + ": unknown type " + std::to_string(type));
    t.type = TensorType(type);
    t.bits = r.u8("tensor bits");
    const uint16_t rank = r.u16("tensor rank");
    if (rank < 1 || rank > kMaxRank) fail("tensor " + std::to_string(i) + ": rank " + std::to_string(rank) + " outside 1..4");
    uint64_t elements = 1;
    for (int d = 0; d < rank; ++d) {
      t.dims.push_back(read_dim(r, "tensor dimension"));
      elements *= uint64_t(t.dims.back());
      if (elements > kMaxElements) fail("tensor " + std::to_string(i) + ": more than 2^31 elements");
    }
    const uint64_t offset = r.u64("tensor offset");  // two statements: argument order is unspecified
    const uint64_t size_bytes = r.u64("tensor size");
    spans.emplace_back(offset, size_bytes);
    model.tensors.push_back(std::move(t));
  }

  const uint32_t node_count = r.count("node count", 20, kMaxItems);
  for (uint32_t i = 0; i < node_count; ++i) {
    Node n;
    const uint32_t op = r.u32("node op");
    if (op < 1 || op > kMaxOp) fail("node " + std::to_string(i) + ": unknown op " + std::to_string(op));
    n.op = Op(op);
    const uint32_t inputs = r.count("node input count", 4, 8);
    for (uint32_t k = 0; k < inputs; ++k) n.inputs.push_back(r.u32("node input"));
    n.output = r.u32("node output");
    const uint32_t attrs = r.count("node attribute count", 4, 64);
    for (uint32_t k = 0; k < attrs; ++k) n.attrs.push_back(r.i32("node attribute"));
    const uint32_t tensors = r.count("node tensor count", 4, 8);
    for (uint32_t k = 0; k < tensors; ++k) n.tensors.push_back(r.u32("node tensor"));
    model.nodes.push_back(std::move(n));
  }
  model.output = r.u32("graph output");
  const uint64_t data_offset = r.u64("data offset");
  if (data_offset < r.pos() || data_offset > size || data_offset % kDataAlignment != 0) {
    fail("data offset " + std::to_string(data_offset) + " is not a 64-byte aligned offset between the tables' end (" +
         std::to_string(r.pos()) + ") and the file size (" + std::to_string(size) + ")");
  }

  for (uint32_t i = 0; i < tensor_count; ++i) {
    TensorInfo& t = model.tensors[i];
    if (t.type == TensorType::kFloat32 ? t.bits != 32 : (t.bits < 1 || t.bits > 8)) {
      fail("tensor " + std::to_string(i) + ": " + std::to_string(t.bits) + " bits is not valid for its type");
    }
    const auto [offset, bytes_len] = spans[i];
    if (bytes_len != t.payload_bytes()) {
      fail("tensor " + std::to_string(i) + ": size " + std::to_string(bytes_len) + " bytes, its shape needs " +
           std::to_string(t.payload_bytes()));
    }
    if (offset < data_offset || offset > size || bytes_len > size - offset) {
      fail("tensor " + std::to_string(i) + ": bytes [" + std::to_string(offset) + ", +" + std::to_string(bytes_len) +
           ") lie outside the data section [" + std::to_string(data_offset) + ", " + std::to_string(size) + ")");
    }
    t.data.assign(bytes + offset, bytes + offset + bytes_len);
  }
  validate_graph(model);
  return model;
}

ModelFile read_model_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open model file " + path);
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof(chunk), f)) > 0) bytes.insert(bytes.end(), chunk, chunk + got);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) throw std::runtime_error("reading model file " + path + " failed");
  try {
    return read_model(bytes.data(), bytes.size());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace wrpn::runtime
