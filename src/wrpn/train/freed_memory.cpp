#include "wrpn/train/freed_memory.h"

#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace wrpn {
namespace train {
namespace {

std::string& status() {
  static std::string s = "freed memory: allocator defaults";
  return s;
}

}  // namespace

std::string keep_freed_memory() {
#if defined(__GLIBC__)
  for (const char* name :
       {"WRPN_RETURN_FREED_MEMORY", "MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
        "MALLOC_TOP_PAD_"}) {
    const char* v = std::getenv(name);
    const bool is_switch = std::string(name) == "WRPN_RETURN_FREED_MEMORY";
    if (v != nullptr && *v != '\0' && !(is_switch && std::string(v) == "0")) {
      status() = std::string("freed memory: allocator defaults (") + name + " is set)";
      return status();
    }
  }
  // -1: never trim (mallopt(3)).
  const bool ok = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, -1) == 1;
  status() = ok ? "freed memory: kept in the process (glibc heap, no mmap, no trim)"
                : "freed memory: allocator defaults (mallopt refused)";
#else
  status() = "freed memory: allocator defaults (not glibc)";
#endif
  return status();
}

std::string freed_memory_status() { return status(); }

}  // namespace train
}  // namespace wrpn
