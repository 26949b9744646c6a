// Whether the AMX-INT8 tier may run: the CPU has it, Linux granted this process the
// tile state, and nothing switched it off. The one place that decides it.
#pragma once

#include <string>

namespace wrpn::kernels {

// CPUID reports AMX-TILE and AMX-INT8, the OS enables tile state (XCR0), and
// arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) succeeded. Asked once per
// process; when the CPU has AMX but the kernel refuses, one line on stderr says why.
bool amx_int8_supported();

// False when the compiler had no AMX intrinsics (or not x86-64): the tier was not built.
bool amx_kernels_built();

// Why the tier is or is not usable, in one line (for `wrpn bench`, `wrpn info`, logs).
std::string amx_status();

// Switches the tier off (or back on) for this process: tests and benchmarks force the
// other tiers with it. WRPN_DISABLE_AMX=1 in the environment switches it off at start.
void set_amx_disabled(bool disabled);

// The tier runs only when supported, not disabled, and the dispatched Highway target is
// AVX3_DL (so `--target AVX2` also means "no AMX", as on a CPU without it).
bool amx_tier_enabled();

}  // namespace wrpn::kernels
