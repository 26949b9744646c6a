#include "wrpn/kernels/compute_backends.h"

#include <dlfcn.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "wrpn/kernels/amx_support.h"
#include "wrpn/kernels/onednn_conv.h"

#if defined(WRPN_WITH_ONEDNN)
#include <dnnl.hpp>
#endif

namespace wrpn::kernels {
namespace {

std::string resolved_path(const char* path) {
  char buf[PATH_MAX];
  return realpath(path, buf) != nullptr ? std::string(buf) : std::string(path);
}

}  // namespace

std::string openblas_core_name() {
  using Text = char* (*)();
  auto core = reinterpret_cast<Text>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return core != nullptr ? std::string(core()) : std::string();
}

std::string openblas_core_for_this_cpu() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  const std::string core = openblas_core_name();
  // OpenBLAS's own fallbacks for a CPU model it does not know.
  if (core != "Prescott" && core != "Core2" && core != "Nehalem") return "";
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return "";
}

std::string blas_description() {
  // Looked up at run time: Debian's alternatives decide which libblas.so.3 LibTorch gets.
  void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
  if (sgemm == nullptr) return "no BLAS loaded";
  Dl_info info{};
  const std::string path =
      dladdr(sgemm, &info) != 0 && info.dli_fname != nullptr ? resolved_path(info.dli_fname) : std::string("?");
  // Asked of the library that serves sgemm_ (and what it links), not of the whole process:
  // OpenBLAS's LAPACK may be loaded beside a reference libblas.so.3.
  using Text = char* (*)();
  void* lib = info.dli_fname != nullptr ? dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD) : nullptr;
  auto config = lib != nullptr ? reinterpret_cast<Text>(dlsym(lib, "openblas_get_config")) : nullptr;
  if (config != nullptr) {
    std::string text = config();
    if (auto core = reinterpret_cast<Text>(dlsym(lib, "openblas_get_corename")))
      text += std::string(", core ") + core();
    dlclose(lib);
    return text + " (" + path + ")";
  }
  if (lib != nullptr) dlclose(lib);
  if (path.find("/blas/") != std::string::npos) return "reference BLAS, slow (" + path + ")";
  return "BLAS " + path;
}

std::string onednn_description() {
#if defined(WRPN_WITH_ONEDNN)
  const dnnl_version_t* v = dnnl_version();
  std::string isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core_amx:
      isa = "avx512_core_amx";
      break;
    case dnnl::cpu_isa::avx512_core_bf16:
      isa = "avx512_core_bf16";
      break;
    case dnnl::cpu_isa::avx512_core_vnni:
      isa = "avx512_core_vnni";
      break;
    case dnnl::cpu_isa::avx512_core:
      isa = "avx512_core";
      break;
    case dnnl::cpu_isa::avx2_vnni:
      isa = "avx2_vnni";
      break;
    case dnnl::cpu_isa::avx2:
      isa = "avx2";
      break;
    default:
      isa = "pre-avx2";
      break;
  }
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
         " on " + isa;
#else
  return "oneDNN not built in";
#endif
}

std::string compute_backends_line() {
  return "BLAS: " + blas_description() + "; " + onednn_description() + "; " + amx_status() + "; " +
         onednn_tier_status();
}

}  // namespace wrpn::kernels
