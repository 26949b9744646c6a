// Keeping freed memory in the process. A training step allocates and frees the same large
// activation and gradient tensors every step. glibc hands blocks above its mmap threshold
// back to the kernel on free (and trims the heap top), so each step pays the page faults of
// touching them again: 21% of a vgg_small 2x 4/4 step on one core (docs/PERFORMANCE.md).
// Serving every block from the heap and never trimming it makes later steps reuse warm pages;
// the process keeps its peak, which it reaches every step anyway.
#pragma once

#include <string>

namespace wrpn {
namespace train {

/// Applies the policy (glibc: M_MMAP_MAX 0, M_TRIM_THRESHOLD off) unless the user set any of
/// glibc's MALLOC_MMAP_MAX_, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ or
/// MALLOC_TOP_PAD_, or WRPN_RETURN_FREED_MEMORY (any value but 0). Call once, early; returns
/// what it did.
std::string keep_freed_memory();

/// What the last keep_freed_memory() did ("freed memory: allocator defaults" before it ran),
/// for start-up lines.
std::string freed_memory_status();

}  // namespace train
}  // namespace wrpn
