// The .wrpn reader: every field is checked before it is used (docs/FORMAT.md, "Validation"),
// and every error names where it happened: the value, tensor or node (index and op).
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "wrpn/runtime/byte_io.h"
#include "wrpn/runtime/data_section.h"
#include "wrpn/runtime/input_path.h"
#include "wrpn/runtime/graph_check.h"
#include "wrpn/runtime/model_format.h"
#include "wrpn/runtime/ops/registry.h"

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

// Runs `read`, prefixing any error with the record it was reading ("value 3", "node 5 (conv2d)").
template <class Read>
auto located(const std::string& where, Read read) -> decltype(read()) {
  try {
    return read();
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(where + ": " + e.what());
  }
}

int read_dim(ByteReader& r, const std::string& what) {
  const uint32_t d = r.u32(what.c_str());
  if (d < 1 || d > kMaxDim) fail(what + " = " + std::to_string(d) + " outside 1.." + std::to_string(kMaxDim));
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
  check_version(major, model.version_minor);
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
  if (stored != actual)
    fail("checksum mismatch: header says " + std::to_string(stored) + ", body has " + std::to_string(actual));
  const uint32_t reserved = r.u32("reserved");
  if (reserved != 0) fail("reserved header field is " + std::to_string(reserved) + ", must be 0");
}

ValueInfo read_value(ByteReader& r, uint16_t minor) {
  ValueInfo v;
  const uint8_t kind = r.u8("kind");
  if (kind > 1) fail("unknown kind " + std::to_string(kind));
  v.kind = ValueKind(kind);
  v.bits = r.u8("bits");
  const uint16_t reserved = r.u16("reserved");
  if (reserved != 0) fail("reserved field is " + std::to_string(reserved) + ", must be 0");
  v.channels = read_dim(r, "channels");
  v.height = read_dim(r, "height");
  v.width = read_dim(r, "width");
  if (minor >= 2) v.range = r.f32("range");  // checked with the graph (validate_graph)
  return v;
}

PayloadSpan read_tensor_record(ByteReader& r, TensorInfo& t) {
  const uint8_t type = r.u8("type");
  if (type > 1) fail("unknown type " + std::to_string(type));
  t.type = TensorType(type);
  t.bits = r.u8("bits");
  if (t.type == TensorType::kFloat32 ? t.bits != 32 : (t.bits < 1 || t.bits > 8)) {
    fail(std::to_string(t.bits) + " bits is not valid for " + (type == 0 ? "float32 (32)" : "codes (1..8)"));
  }
  const uint16_t rank = r.u16("rank");
  if (rank < 1 || rank > kMaxRank) fail("rank " + std::to_string(rank) + " outside 1..4");
  uint64_t elements = 1;
  for (int d = 0; d < rank; ++d) {
    t.dims.push_back(read_dim(r, "dimension " + std::to_string(d)));
    elements *= uint64_t(t.dims.back());
    if (elements > kMaxElements) fail("more than 2^31 elements");
  }
  PayloadSpan s;
  s.offset = r.u64("payload offset");  // two statements: argument order is unspecified
  s.size = r.u64("payload size");
  if (s.size != t.payload_bytes()) {
    fail("size " + std::to_string(s.size) + " bytes, its shape needs " + std::to_string(t.payload_bytes()));
  }
  return s;
}

void read_node_fields(ByteReader& r, Node& n) {
  const uint32_t inputs = r.count("input count", 4, 8);
  for (uint32_t k = 0; k < inputs; ++k) n.inputs.push_back(r.u32("input"));
  n.output = r.u32("output");
  const uint32_t attrs = r.count("attribute count", 4, 64);
  for (uint32_t k = 0; k < attrs; ++k) n.attrs.push_back(r.i32("attribute"));
  const uint32_t tensors = r.count("tensor count", 4, 8);
  for (uint32_t k = 0; k < tensors; ++k) n.tensors.push_back(r.u32("tensor"));
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
    model.values.push_back(located("value " + std::to_string(i), [&] { return read_value(r, model.version_minor); }));
  }

  const uint32_t tensor_count = r.count("tensor count", 20, kMaxItems);
  std::vector<PayloadSpan> spans;
  model.tensors.resize(tensor_count);
  for (uint32_t i = 0; i < tensor_count; ++i) {
    spans.push_back(located("tensor " + std::to_string(i), [&] { return read_tensor_record(r, model.tensors[i]); }));
  }

  const uint32_t node_count = r.count("node count", 20, kMaxItems);
  model.nodes.resize(node_count);
  for (uint32_t i = 0; i < node_count; ++i) {
    Node& n = model.nodes[i];
    const std::string where = "node " + std::to_string(i);
    const uint32_t op = located(where, [&] { return r.u32("op"); });
    if (!ops::find_definition(Op(op))) fail(where + ": unknown op " + std::to_string(op));
    n.op = Op(op);
    located(where + " (" + op_name(n.op) + ")", [&] { read_node_fields(r, n); });
  }
  model.output = r.u32("graph output");
  const uint64_t data_offset = r.u64("data offset");
  check_data_section(bytes, size, r.pos(), data_offset, spans);
  for (uint32_t i = 0; i < tensor_count; ++i) {
    model.tensors[i].data.assign(bytes + spans[i].offset, bytes + spans[i].offset + spans[i].size);
  }
  validate_graph(model);
  return model;
}

ModelFile read_model_file(const std::string& path) {
  require_readable_file(path, "model file");
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
