#include "wrpn/train/memory_stats.h"

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <cstring>

#include <atomic>
#include <mutex>

namespace wrpn {
namespace train {
namespace {

std::atomic<int64_t> g_current{0};
std::atomic<int64_t> g_peak{0};

// Every block carries its size in a 64-byte header (keeping c10's 64-byte alignment), so the
// data pointer is also the deleter's context, as raw_allocate() requires.
constexpr size_t kHeaderBytes = 64;

void record_allocation(int64_t bytes) {
  const int64_t now = g_current.fetch_add(bytes) + bytes;
  int64_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}

void release(void* data) {
  if (data == nullptr) return;
  auto* header = static_cast<uint8_t*>(data) - kHeaderBytes;
  int64_t bytes = 0;
  std::memcpy(&bytes, header, sizeof(bytes));
  g_current.fetch_sub(bytes);
  c10::free_cpu(header);
}

class CountingAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t bytes) const override {
    auto* header = static_cast<uint8_t*>(c10::alloc_cpu(bytes + kHeaderBytes));
    const int64_t size = int64_t(bytes);
    std::memcpy(header, &size, sizeof(size));
    record_allocation(size);
    void* data = header + kHeaderBytes;
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }
};

}  // namespace

void install_memory_stats() {
  static std::once_flag once;
  std::call_once(once, [] {
    static CountingAllocator allocator;
    c10::SetCPUAllocator(&allocator, /*priority=*/100);
  });
}

int64_t current_tensor_bytes() { return g_current.load(); }
int64_t peak_tensor_bytes() { return g_peak.load(); }
void reset_peak_tensor_bytes() { g_peak.store(g_current.load()); }

}  // namespace train
}  // namespace wrpn
