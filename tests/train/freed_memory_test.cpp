// keep_freed_memory(): a freed large block stays in the process (no page faults next step),
// and any of the user's own allocator settings keeps glibc's defaults. ctest runs each test
// in its own process, so the policy set here reaches no other test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "wrpn/train/freed_memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

#if defined(__GLIBC__)
TEST(FreedMemory, LargeBlocksComeFromTheHeapAndStayAfterFree) {
  ::unsetenv("WRPN_RETURN_FREED_MEMORY");
  ::unsetenv("MALLOC_MMAP_MAX_");
  ::unsetenv("MALLOC_MMAP_THRESHOLD_");
  ::unsetenv("MALLOC_TRIM_THRESHOLD_");
  ::unsetenv("MALLOC_TOP_PAD_");
  EXPECT_EQ(wrpn::train::keep_freed_memory(), "freed memory: kept in the process (glibc heap, no mmap, no trim)");
  EXPECT_EQ(wrpn::train::freed_memory_status(), wrpn::train::keep_freed_memory());
  const size_t bytes = size_t(96) << 20;  // above glibc's largest mmap threshold (32 MiB)
  const struct mallinfo2 before = mallinfo2();
  char* block = static_cast<char*>(std::malloc(bytes));
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, bytes);
  const struct mallinfo2 during = mallinfo2();
  EXPECT_EQ(during.hblks, before.hblks) << "the block was mmapped";
  EXPECT_GE(during.uordblks, before.uordblks + bytes) << "the block is not in the heap";
  std::free(block);
  const struct mallinfo2 after = mallinfo2();
  // Earlier tests in this process may have left free heap the block reused: compare with the
  // heap while it was held, not before.
  EXPECT_EQ(after.arena, during.arena) << "the heap was trimmed: the next step faults its pages in again";
  EXPECT_GE(after.fordblks, bytes);
}
#endif

TEST(FreedMemory, TheUsersOwnSettingKeepsTheDefaults) {
  ::setenv("MALLOC_TRIM_THRESHOLD_", "1000000", 1);
  EXPECT_EQ(wrpn::train::keep_freed_memory(),
#if defined(__GLIBC__)
            "freed memory: allocator defaults (MALLOC_TRIM_THRESHOLD_ is set)"
#else
            "freed memory: allocator defaults (not glibc)"
#endif
  );
  ::unsetenv("MALLOC_TRIM_THRESHOLD_");
  ::setenv("WRPN_RETURN_FREED_MEMORY", "1", 1);
#if defined(__GLIBC__)
  EXPECT_EQ(wrpn::train::keep_freed_memory(), "freed memory: allocator defaults (WRPN_RETURN_FREED_MEMORY is set)");
#endif
  ::setenv("WRPN_RETURN_FREED_MEMORY", "0", 1);
#if defined(__GLIBC__)
  EXPECT_EQ(wrpn::train::keep_freed_memory(), "freed memory: kept in the process (glibc heap, no mmap, no trim)");
#endif
  ::unsetenv("WRPN_RETURN_FREED_MEMORY");
}

}  // namespace
