// The .wrpn deployment format in memory: what `wrpn export` writes and the runtime loads.
// docs/FORMAT.md specifies the bytes; this header is its C++ mirror. No LibTorch here.
//
// A model is a graph of values (activation tensors, one per node output, NHWC per sample)
// and nodes (ops with integer attributes and constant tensors). Value 0 is the network input
// (normalised floats); `output` names the logits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wrpn::runtime {

constexpr char kMagic[8] = {'W', 'R', 'P', 'N', 'M', 'O', 'D', 'L'};
constexpr uint16_t kVersionMajor = 1;
constexpr uint16_t kVersionMinor = 2;            // the newest minor this runtime reads; newer ones are refused
constexpr uint32_t kByteOrderMark = 0x01020304;  // reads back as 0x04030201 on a big-endian host
constexpr size_t kHeaderBytes = 32;
constexpr size_t kDataAlignment = 64;  // tensor payloads start on 64-byte file offsets

// What an activation tensor holds: floats, or unsigned k-bit codes stored one per byte,
// value = code / (2^k - 1) * range.
enum class ValueKind : uint8_t { kFloat = 0, kCodes = 1 };

struct ValueInfo {
  ValueKind kind = ValueKind::kFloat;
  int bits = 32;  // 32 for floats, 1..8 for codes
  int channels = 0, height = 0, width = 0;
  // Codes: the real value of the largest code, the clip of the quantizer that made them (1 for
  // WRPN's and DoReFa's [0, 1]; PACT's alpha, LSQ's Q_P x step). Format 1.2; 1 in older files
  // and for floats.
  float range = 1.0f;
  size_t elements() const { return size_t(channels) * size_t(height) * size_t(width); }
  size_t bytes_per_sample() const { return elements() * (kind == ValueKind::kFloat ? 4 : 1); }
};

// Constant tensors: little-endian float32, or signed weight codes packed at `bits` bits each
// (LSB first, two's complement; at 1 bit, bit 0 = +1 and bit 1 = -1).
enum class TensorType : uint8_t { kFloat32 = 0, kSignedCodes = 1 };

struct TensorInfo {
  TensorType type = TensorType::kFloat32;
  int bits = 32;
  std::vector<int> dims;
  std::vector<uint8_t> data;  // the payload, exactly payload_bytes() long
  size_t elements() const;
  size_t payload_bytes() const;  // what `dims` and `bits` require
};

// The op numbers of the file. Each op's attributes, rules and execution are defined in its
// own file, src/wrpn/runtime/ops/<name>.{h,cc} (the list is ops/registry.cc).
enum class Op : uint32_t {
  kConv2d = 1,
  kLinear = 2,
  kMaxPool = 3,
  kGlobalAvgPool = 4,
  kAdd = 5,
  kShortcutA = 6,
  kFlatten = 7,
  kSoftmax = 8,
  kChannelAffine = 9,
  kAvgPool = 10,  // format 1.1
  kConcat = 11,   // format 1.1
};

// How a node turns its real-valued result y into its output value.
enum class OutMode : int32_t {
  kFloat = 0,  // y
  kRelu = 1,   // max(y, 0)
  kCodes = 2,  // rne(clamp(y, 0, 1) * (2^out_bits - 1)): the WRPN activation quantizer
};

struct Node {
  Op op = Op::kConv2d;
  std::vector<uint32_t> inputs;
  uint32_t output = 0;
  std::vector<int32_t> attrs;
  std::vector<uint32_t> tensors;
};

// The input the graph expects: images C x H x W; pixel p (0..255) of channel c enters as
// p * scale[c] + shift[c] (the training loader's normalisation).
struct InputSpec {
  int channels = 0, height = 0, width = 0;
  std::vector<float> scale, shift;
};

struct ModelFile {
  uint16_t version_minor = kVersionMinor;
  std::string info;  // UTF-8 JSON describing the source model; not interpreted by the runtime
  InputSpec input;
  std::vector<ValueInfo> values;
  std::vector<TensorInfo> tensors;
  std::vector<Node> nodes;
  uint32_t output = 0;
};

const char* op_name(Op op);  // "conv2d", ...; "unknown" for a number no op has

// Serialises to the byte layout of docs/FORMAT.md (computes offsets and the checksum).
std::vector<uint8_t> write_model(const ModelFile& model);
void write_model_file(const ModelFile& model, const std::string& path);

// Parses and validates every field (header, checksum, counts, sizes, the data section's
// alignment, overlaps and zero padding, payload contents, graph references, shapes, bit
// widths); throws std::runtime_error naming the value, tensor or node (docs/FORMAT.md).
ModelFile read_model(const uint8_t* bytes, size_t size);
ModelFile read_model_file(const std::string& path);

// Packing of signed weight codes (-n..n, or +1/-1 at 1 bit) at `bits` bits each.
std::vector<uint8_t> pack_signed_codes(const int8_t* codes, size_t count, int bits);
void unpack_signed_codes(const uint8_t* packed, size_t count, int bits, int8_t* codes);

}  // namespace wrpn::runtime
