#include "wrpn/kernels/amx_support.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "wrpn/kernels/target_info.h"

#if defined(__x86_64__) && defined(__linux__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#define WRPN_AMX_PLATFORM 1
#endif

namespace wrpn::kernels {
namespace {

struct AmxProbe {
  bool supported = false;
  std::string status;
};

#ifdef WRPN_AMX_PLATFORM
constexpr long kArchReqXcompPerm = 0x1023;  // from <asm/prctl.h>, absent from older headers
constexpr int kXfeatureXtiledata = 18;

uint64_t read_xcr0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

AmxProbe probe() {
  AmxProbe p;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1u << 24)) || !(d & (1u << 25))) {
    p.status = "AMX-INT8 tier off: the CPU has no AMX-TILE/AMX-INT8";
    return p;
  }
  unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
  __get_cpuid(1, &a1, &b1, &c1, &d1);
  // XCR0 bits 17 (TILECFG) and 18 (TILEDATA): the OS saves tile state across switches.
  if (!(c1 & (1u << 27)) || (read_xcr0() & (3u << 17)) != (3u << 17)) {
    p.status = "AMX-INT8 tier off: the OS does not enable tile state (XCR0)";
    std::fprintf(stderr, "wrpn: %s\n", p.status.c_str());
    return p;
  }
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) {
    p.status = std::string("AMX-INT8 tier off: arch_prctl(ARCH_REQ_XCOMP_PERM) refused: ") + std::strerror(errno);
    std::fprintf(stderr, "wrpn: %s\n", p.status.c_str());
    return p;
  }
  p.supported = true;
  p.status = "AMX-INT8 supported (tile permission granted)";
  return p;
}
#else
AmxProbe probe() { return {false, "AMX-INT8 tier off: not an x86-64 Linux build"}; }
#endif

const AmxProbe& probed() {
  static const AmxProbe p =
      amx_kernels_built() ? probe() : AmxProbe{false, "AMX-INT8 tier off: built without the AMX kernels"};
  return p;
}

std::atomic<bool>& disabled_flag() {
  static std::atomic<bool> flag{[] {
    const char* env = std::getenv("WRPN_DISABLE_AMX");
    return env != nullptr && *env != '\0' && std::strcmp(env, "0") != 0;
  }()};
  return flag;
}

}  // namespace

bool amx_int8_supported() { return amx_kernels_built() && probed().supported; }

void set_amx_disabled(bool disabled) { disabled_flag() = disabled; }

bool amx_tier_enabled() { return !disabled_flag() && amx_int8_supported() && active_target_has_vnni(); }

std::string amx_status() {
  if (!amx_int8_supported()) return probed().status;
  if (disabled_flag()) return "AMX-INT8 tier off: disabled (WRPN_DISABLE_AMX or set_amx_disabled)";
  if (!active_target_has_vnni()) return "AMX-INT8 tier off: dispatch forced to " + active_target_name();
  return "AMX-INT8 tier on";
}

}  // namespace wrpn::kernels
