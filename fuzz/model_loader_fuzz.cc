// libFuzzer target for the .wrpn loader and runtime: any byte string must either load and run
// or be rejected with an exception; never a crash, a leak or a sanitizer report.
// Built and run by scripts/fuzz.sh model_loader (clang, -fsanitize=fuzzer,address,undefined).
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <vector>

#include "wrpn/runtime/runtime.h"

namespace {

// Mutations almost never keep the CRC right, so most inputs get their body size and CRC
// fixed first (reserved byte 28 == 0) and reach the structural checks; the rest test the
// header checks as they are.
void fix_header(std::vector<uint8_t>& b) {
  if (b.size() < wrpn::runtime::kHeaderBytes || b[28] != 0) return;
  const uint64_t body = b.size() - wrpn::runtime::kHeaderBytes;
  for (int i = 0; i < 8; ++i) b[16 + i] = uint8_t(body >> (8 * i));
  const uint32_t crc = uint32_t(crc32_z(0L, b.data() + wrpn::runtime::kHeaderBytes, body));
  for (int i = 0; i < 4; ++i) b[24 + i] = uint8_t(crc >> (8 * i));
}

// Valid but enormous graphs are legal; keep each execution small so the fuzzer keeps moving.
bool small_enough(const wrpn::runtime::ModelFile& m) {
  double work = 0;
  for (const auto& n : m.nodes) {
    const auto& out = m.values[n.output];
    double per = 1;
    if (!n.tensors.empty()) per = double(m.tensors[n.tensors[0]].elements()) / double(out.channels);
    work += double(out.elements()) * per;
  }
  return work < 2e7;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  fix_header(bytes);
  try {
    wrpn::runtime::ModelFile m = wrpn::runtime::read_model(bytes.data(), bytes.size());
    if (!small_enough(m)) return 0;
    wrpn::runtime::Runtime rt(std::move(m));
    const auto& in = rt.model().input;
    std::vector<uint8_t> pixels(size_t(in.channels) * in.height * in.width * 2, 128);
    std::vector<float> logits(size_t(rt.classes()) * 2);
    rt.run_pixels(pixels.data(), 2, logits.data(), 1);
  } catch (const std::exception&) {
    // Rejected with a message: the expected outcome for almost every input.
  }
  return 0;
}
