// libFuzzer target for the IDX reader (raw and gzip) and the MNIST split built from it: any
// bytes must load or be refused with the std::runtime_error the header promises, naming the
// file; no other exception, crash, leak, sanitizer report or allocation beyond the data.
// Built and run by scripts/fuzz.sh idx.
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "temp_input.h"
#include "wrpn/data/idx.h"
#include "wrpn/data/mnist.h"

namespace {

// An IDX header of unsigned bytes with the given dimensions.
std::vector<uint8_t> idx_header(std::vector<uint32_t> dims) {
  std::vector<uint8_t> b = {0, 0, 0x08, uint8_t(dims.size())};
  for (uint32_t d : dims) b.insert(b.end(), {uint8_t(d >> 24), uint8_t(d >> 16), uint8_t(d >> 8), uint8_t(d)});
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wrpn::data;
  static const wrpn::fuzz::TempFolder folder("idx");
  // gzopen reads plain files as they are and .gz ones inflated, whatever the name says.
  const std::string labels = folder.write("t10k-labels-idx1-ubyte", data, size);
  try {
    read_idx(labels, 3);  // as an image file
  } catch (const std::runtime_error&) {
  }
  try {
    // As a label file, beside images that match its count: the split's own checks.
    const IdxArray a = read_idx(labels, 1);
    std::vector<uint8_t> images = idx_header({uint32_t(a.dims[0]), 1, 1});
    images.resize(images.size() + a.values.size(), 0);
    folder.write("t10k-images-idx3-ubyte", images.data(), images.size());
    load_mnist(folder.str(), Split::Test);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
