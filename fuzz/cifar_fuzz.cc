// libFuzzer target for the CIFAR-10 and CIFAR-100 binary readers: any bytes must load or be
// refused with a std::runtime_error naming the file; no other exception, crash, leak or
// sanitizer report. Built and run by scripts/fuzz.sh cifar.
#include <cstdint>
#include <stdexcept>

#include "temp_input.h"
#include "wrpn/data/cifar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wrpn::data;
  static const wrpn::fuzz::TempFolder folder("cifar");
  // The same bytes as CIFAR-10's test batch and as CIFAR-100's test file.
  folder.write("test_batch.bin", data, size);
  folder.write("test.bin", data, size);
  for (const char* variant : {"cifar10", "cifar100"}) {
    try {
      const auto set = load_cifar(folder.str(), Split::Test, variant);
      // Every record is readable and labelled within the classes.
      std::vector<uint8_t> pixels(size_t(set->shape().pixels()));
      for (int64_t i = 0; i < set->size(); ++i) {
        set->read_image(i, pixels.data());
        if (set->label(i) < 0 || set->label(i) >= set->num_classes()) __builtin_trap();
      }
    } catch (const std::runtime_error&) {
    }
  }
  return 0;
}
