// brk, mmap, munmap and mprotect, with Linux's results for the edge cases. Accesses that must fault
// run in child processes.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace {

const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));
constexpr size_t kMebibyte = 1024 * 1024;

long brk_raw(uintptr_t address) {
    return sys::raw_syscall(SYS_brk, static_cast<long>(address));
}

void* map_anonymous(size_t length, int protection = PROT_READ | PROT_WRITE) {
    return mmap(nullptr, length, protection, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

bool all_bytes_are(const void* memory, size_t length, unsigned char value) {
    const auto* bytes = static_cast<const unsigned char*>(memory);
    for (size_t i = 0; i < length; ++i) {
        if (bytes[i] != value)
            return false;
    }
    return true;
}

char* page(void* base, size_t index) {
    return static_cast<char*>(base) + index * kPage;
}

// An address far from everything Linux or blog_os puts in a small program's address space.
void* const kFreeHint = reinterpret_cast<void*>(0x200000000000);

} // namespace

CHILD_SCENARIO(touch_unmapped_page) {
    void* memory = map_anonymous(kPage);
    if (memory == MAP_FAILED || munmap(memory, kPage) != 0)
        return 1;
    (void)*static_cast<volatile char*>(memory);
    return 0;
}

CHILD_SCENARIO(touch_hole_after_partial_munmap) {
    void* memory = map_anonymous(3 * kPage);
    if (memory == MAP_FAILED || munmap(page(memory, 1), kPage) != 0)
        return 1;
    *page(memory, 0) = 1;
    *page(memory, 2) = 1;
    (void)*static_cast<volatile char*>(page(memory, 1));
    return 0;
}

CHILD_SCENARIO(write_read_only_mapping) {
    void* memory = map_anonymous(kPage);
    if (memory == MAP_FAILED)
        return 1;
    *static_cast<volatile char*>(memory) = 42;
    if (mprotect(memory, kPage, PROT_READ) != 0)
        return 2;
    if (*static_cast<volatile char*>(memory) != 42)
        return 3;
    *static_cast<volatile char*>(memory) = 43;
    return 0;
}

CHILD_SCENARIO(read_prot_none_mapping) {
    void* memory = map_anonymous(kPage);
    if (memory == MAP_FAILED || mprotect(memory, kPage, PROT_NONE) != 0)
        return 1;
    (void)*static_cast<volatile char*>(memory);
    return 0;
}

TEST(brk_zero_returns_the_current_break) {
    long current = brk_raw(0);
    EXPECT_GT(current, 0);
    EXPECT_EQ(brk_raw(0), current);
}

TEST(brk_grows_by_a_mebibyte_of_zeroed_usable_memory_and_shrinks_back) {
    const uintptr_t start = static_cast<uintptr_t>(brk_raw(0));
    ASSERT_EQ(brk_raw(start + kMebibyte), static_cast<long>(start + kMebibyte));
    EXPECT_EQ(brk_raw(0), static_cast<long>(start + kMebibyte));
    // Whole pages above the old break are fresh; the partial page under it may hold old data.
    uintptr_t first_fresh = (start + kPage - 1) & ~(kPage - 1);
    auto* fresh = reinterpret_cast<char*>(first_fresh);
    size_t fresh_length = start + kMebibyte - first_fresh;
    EXPECT_TRUE(all_bytes_are(fresh, fresh_length, 0));
    memset(fresh, 0x5a, fresh_length);
    EXPECT_TRUE(all_bytes_are(fresh, fresh_length, 0x5a));
    EXPECT_EQ(brk_raw(start), static_cast<long>(start));
    EXPECT_EQ(brk_raw(0), static_cast<long>(start));
    // Growing again gives zeroed pages, not the old contents.
    ASSERT_EQ(brk_raw(start + kMebibyte), static_cast<long>(start + kMebibyte));
    EXPECT_TRUE(all_bytes_are(fresh, fresh_length, 0));
    EXPECT_EQ(brk_raw(start), static_cast<long>(start));
}

// The raw system call never fails with -errno: it returns the break it left in place.
TEST(brk_to_an_absurd_address_returns_the_old_break_unchanged) {
    const long start = brk_raw(0);
    EXPECT_EQ(brk_raw(0xffff800000000000), start);
    EXPECT_EQ(brk_raw(0x800000000000), start);
    EXPECT_EQ(brk_raw(1), start);
    EXPECT_EQ(brk_raw(0), start);
}

TEST(anonymous_mmap_gives_zeroed_writable_page_aligned_memory) {
    const size_t length = 16 * kPage;
    void* memory = map_anonymous(length);
    ASSERT_NE(memory, MAP_FAILED);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(memory) % kPage, 0u);
    EXPECT_TRUE(all_bytes_are(memory, length, 0));
    memset(memory, 0xa5, length);
    EXPECT_TRUE(all_bytes_are(memory, length, 0xa5));
    EXPECT_EQ(munmap(memory, length), 0);
}

TEST(anonymous_mmap_honours_a_free_hint) {
    void* memory = mmap(kFreeHint, 4 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(memory, MAP_FAILED);
    EXPECT_EQ(memory, kFreeHint);
    EXPECT_TRUE(all_bytes_are(memory, 4 * kPage, 0));
    *page(memory, 3) = 1;
    EXPECT_EQ(munmap(memory, 4 * kPage), 0);
}

TEST(mmap_fixed_replaces_part_of_an_existing_mapping) {
    void* memory = map_anonymous(3 * kPage);
    ASSERT_NE(memory, MAP_FAILED);
    memset(memory, 0xab, 3 * kPage);
    void* replaced =
        mmap(page(memory, 1), kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    EXPECT_EQ(replaced, static_cast<void*>(page(memory, 1)));
    EXPECT_TRUE(all_bytes_are(page(memory, 0), kPage, 0xab));
    EXPECT_TRUE(all_bytes_are(page(memory, 1), kPage, 0));
    EXPECT_TRUE(all_bytes_are(page(memory, 2), kPage, 0xab));
    EXPECT_EQ(munmap(memory, 3 * kPage), 0);
}

TEST(mmap_fixed_at_a_chosen_free_address_maps_exactly_there) {
    void* wanted = static_cast<char*>(kFreeHint) + 64 * kPage;
    void* memory =
        mmap(wanted, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    EXPECT_EQ(memory, wanted);
    if (memory == wanted) {
        *static_cast<volatile char*>(memory) = 1;
        EXPECT_EQ(munmap(memory, kPage), 0);
    }
}

TEST(mmap_of_zero_bytes_fails_with_einval) {
    EXPECT_EQ(mmap(nullptr, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), MAP_FAILED);
    EXPECT_EQ(errno, EINVAL);
}

TEST(mmap_fixed_at_an_unaligned_address_fails_with_einval) {
    void* unaligned = static_cast<char*>(kFreeHint) + 1;
    EXPECT_EQ(mmap(unaligned, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), MAP_FAILED);
    EXPECT_EQ(errno, EINVAL);
}

TEST(mmap_without_private_or_shared_fails_with_einval) {
    EXPECT_EQ(mmap(nullptr, kPage, PROT_READ, MAP_ANONYMOUS, -1, 0), MAP_FAILED);
    EXPECT_EQ(errno, EINVAL);
}

TEST(file_mmap_of_fd_minus_one_fails_with_ebadf) {
    EXPECT_EQ(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE, -1, 0), MAP_FAILED);
    EXPECT_EQ(errno, EBADF);
}

TEST(munmap_of_an_unaligned_address_or_zero_length_fails_with_einval) {
    void* memory = map_anonymous(kPage);
    ASSERT_NE(memory, MAP_FAILED);
    EXPECT_ERRNO(munmap(static_cast<char*>(memory) + 1, kPage), EINVAL);
    EXPECT_ERRNO(munmap(memory, 0), EINVAL);
    EXPECT_EQ(munmap(memory, kPage), 0);
}

TEST(munmap_of_an_unmapped_range_succeeds) {
    void* memory = map_anonymous(kPage);
    ASSERT_NE(memory, MAP_FAILED);
    EXPECT_EQ(munmap(memory, kPage), 0);
    EXPECT_EQ(munmap(memory, kPage), 0);
}

CHILD_SCENARIO(touch_prot_none_page_after_munmap) {
    void* memory = map_anonymous(kPage);
    if (memory == MAP_FAILED)
        return 1;
    *static_cast<volatile char*>(memory) = 1;
    if (mprotect(memory, kPage, PROT_NONE) != 0 || munmap(memory, kPage) != 0)
        return 2;
    (void)*static_cast<volatile char*>(memory);
    return 0;
}

TEST(touching_an_unmapped_page_kills_with_sigsegv) {
    EXPECT_SIGNALED(test::run_child("touch_unmapped_page"), SIGSEGV);
}

TEST(munmap_of_part_of_a_mapping_leaves_the_rest_usable) {
    void* memory = map_anonymous(3 * kPage);
    ASSERT_NE(memory, MAP_FAILED);
    memset(memory, 0x11, 3 * kPage);
    ASSERT_EQ(munmap(page(memory, 1), kPage), 0);
    EXPECT_TRUE(all_bytes_are(page(memory, 0), kPage, 0x11));
    EXPECT_TRUE(all_bytes_are(page(memory, 2), kPage, 0x11));
    memset(page(memory, 0), 0x22, kPage);
    memset(page(memory, 2), 0x22, kPage);
    EXPECT_TRUE(all_bytes_are(page(memory, 2), kPage, 0x22));
    EXPECT_EQ(munmap(memory, 3 * kPage), 0);
    EXPECT_SIGNALED(test::run_child("touch_hole_after_partial_munmap"), SIGSEGV);
}

TEST(writing_a_read_only_mapping_kills_with_sigsegv) {
    EXPECT_SIGNALED(test::run_child("write_read_only_mapping"), SIGSEGV);
}

TEST(reading_a_prot_none_mapping_kills_with_sigsegv) {
    EXPECT_SIGNALED(test::run_child("read_prot_none_mapping"), SIGSEGV);
}

TEST(mprotect_back_to_read_write_keeps_the_contents_usable) {
    void* memory = map_anonymous(2 * kPage);
    ASSERT_NE(memory, MAP_FAILED);
    memset(memory, 0x77, 2 * kPage);
    EXPECT_EQ(mprotect(memory, 2 * kPage, PROT_NONE), 0);
    EXPECT_EQ(mprotect(memory, 2 * kPage, PROT_READ), 0);
    EXPECT_TRUE(all_bytes_are(memory, 2 * kPage, 0x77));
    EXPECT_EQ(mprotect(memory, 2 * kPage, PROT_READ | PROT_WRITE), 0);
    memset(memory, 0x78, 2 * kPage);
    EXPECT_TRUE(all_bytes_are(memory, 2 * kPage, 0x78));
    EXPECT_EQ(munmap(memory, 2 * kPage), 0);
}

// The kernel could read a touched PROT_NONE page: write() from it succeeded where Linux gives EFAULT.
TEST(write_from_and_read_into_a_prot_none_page_fail_with_efault) {
    void* memory = map_anonymous(kPage);
    ASSERT_NE(memory, MAP_FAILED);
    memset(memory, 0x5a, kPage);
    ASSERT_EQ(mprotect(memory, kPage, PROT_NONE), 0);
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    EXPECT_ERRNO(write(fds[1], memory, 16), EFAULT);
    EXPECT_EQ(write(fds[1], "data", 4), 4);
    EXPECT_ERRNO(read(fds[0], memory, 4), EFAULT);
    close(fds[0]);
    close(fds[1]);
    EXPECT_EQ(mprotect(memory, kPage, PROT_READ | PROT_WRITE), 0);
    EXPECT_TRUE(all_bytes_are(memory, kPage, 0x5a));
    EXPECT_EQ(munmap(memory, kPage), 0);
}

TEST(munmap_of_a_touched_prot_none_page_unmaps_it) {
    void* memory = map_anonymous(kPage);
    ASSERT_NE(memory, MAP_FAILED);
    memset(memory, 0x33, kPage);
    ASSERT_EQ(mprotect(memory, kPage, PROT_NONE), 0);
    EXPECT_EQ(munmap(memory, kPage), 0);
    // Mapped again at the same place, the page is a fresh zero page, not the old frame.
    void* again = mmap(memory, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    ASSERT_EQ(again, memory);
    EXPECT_TRUE(all_bytes_are(again, kPage, 0));
    EXPECT_EQ(munmap(again, kPage), 0);
    EXPECT_SIGNALED(test::run_child("touch_prot_none_page_after_munmap"), SIGSEGV);
}

// Through the raw system call: musl's mprotect() rounds the address down to a page itself.
TEST(mprotect_of_an_unaligned_address_fails_with_einval) {
    void* memory = map_anonymous(kPage);
    ASSERT_NE(memory, MAP_FAILED);
    EXPECT_EQ(sys::raw_syscall(SYS_mprotect, sys::arg(static_cast<char*>(memory) + 1),
                               static_cast<long>(kPage), PROT_READ),
              -EINVAL);
    EXPECT_EQ(munmap(memory, kPage), 0);
}

// Read-only data on a page of its own: every run of this program maps the same copy of it on
// blog_os (and the same file page on Linux), so a write must give the writer a copy of its own.
alignas(4096) const char shared_marker[4096] = "original marker";

CHILD_SCENARIO(marker_is_original) {
    const volatile char* marker = shared_marker;
    return marker[0] == 'o' && marker[9] == 'm' ? 0 : 1;
}

TEST(writing_read_only_program_data_after_mprotect_changes_only_this_process) {
    void* page = const_cast<char*>(shared_marker);
    ASSERT_EQ(mprotect(page, 4096, PROT_READ | PROT_WRITE), 0);
    volatile char* marker = const_cast<volatile char*>(shared_marker);
    marker[0] = 'X';
    EXPECT_EQ(marker[0], 'X');
    EXPECT_EQ(marker[9], 'm'); // the rest of the page came along
    EXPECT_EXITED(test::run_child("marker_is_original"), 0);
    marker[0] = 'o';
    EXPECT_EQ(mprotect(page, 4096, PROT_READ), 0);
}

// mremap: the contents travel with the mapping, whether it grows in place or moves.
TEST(mremap_grows_and_moves_a_mapping_with_its_contents) {
    const size_t page = 4096;
    // Three pages, the last made a separate PROT_NONE mapping: the first two cannot grow in place.
    auto* first = static_cast<unsigned char*>(
        mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_TRUE(first != MAP_FAILED);
    unsigned char* blocker = first + 2 * page;
    ASSERT_EQ(mprotect(blocker, page, PROT_NONE), 0);
    memset(first, 0x5a, 2 * page);
    EXPECT_ERRNO(reinterpret_cast<intptr_t>(mremap(first, 2 * page, 8 * page, 0)), ENOMEM);
    auto* moved = static_cast<unsigned char*>(mremap(first, 2 * page, 8 * page, MREMAP_MAYMOVE));
    ASSERT_TRUE(moved != MAP_FAILED);
    EXPECT_EQ(moved[0], 0x5a);
    EXPECT_EQ(moved[2 * page - 1], 0x5a);
    EXPECT_EQ(moved[5 * page], 0); // the new part is fresh zeroed memory
    moved[8 * page - 1] = 1;
    // Shrinking stays in place and frees the tail.
    EXPECT_TRUE(mremap(moved, 8 * page, page, 0) == moved);
    EXPECT_EQ(moved[0], 0x5a);
    EXPECT_EQ(munmap(moved, page), 0);
    EXPECT_EQ(munmap(blocker, page), 0);
}

TEST(mremap_refuses_bad_flags_and_ranges_that_are_not_one_mapping) {
    const size_t page = 4096;
    void* mapping = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_TRUE(mapping != MAP_FAILED);
    EXPECT_ERRNO(reinterpret_cast<intptr_t>(mremap(mapping, page, 2 * page, 0x80)), EINVAL);
    EXPECT_ERRNO(reinterpret_cast<intptr_t>(mremap(mapping, page, 2 * page, MREMAP_FIXED)), EINVAL);
    EXPECT_ERRNO(reinterpret_cast<intptr_t>(mremap(static_cast<char*>(mapping) + 1, page, page, 0)), EINVAL);
    EXPECT_ERRNO(reinterpret_cast<intptr_t>(mremap(mapping, page, 0, 0)), EINVAL);
    EXPECT_EQ(munmap(mapping, page), 0);
    EXPECT_ERRNO(reinterpret_cast<intptr_t>(mremap(mapping, page, 2 * page, MREMAP_MAYMOVE)), EFAULT);
}

// A huge reservation with a few pages touched: mprotect and munmap act on what is there, and the
// touched pages keep their contents until unmapped. (They once visited every page of the range.)
TEST(a_huge_barely_touched_mapping_is_protected_and_unmapped_whole) {
    const size_t size = size_t(64) << 30; // 64 GiB, reserved, not backed
    auto* base = static_cast<unsigned char*>(
        mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    ASSERT_TRUE(base != MAP_FAILED);
    base[0] = 1;
    base[size / 2] = 2;
    base[size - 1] = 3;
    EXPECT_EQ(mprotect(base, size, PROT_READ), 0);
    EXPECT_EQ(base[size / 2], 2);
    EXPECT_EQ(mprotect(base, size, PROT_READ | PROT_WRITE), 0);
    base[size / 2] = 4;
    EXPECT_EQ(base[size / 2], 4);
    EXPECT_EQ(munmap(base, size), 0);
    // The range is free again: a fixed mapping fits exactly there.
    void* again = mmap(base, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    EXPECT_TRUE(again == base);
    if (again != MAP_FAILED)
        munmap(again, 4096);
}

// madvise(MADV_DONTNEED) gives anonymous pages back: they read as zeros afterwards; mincore tells
// touched pages from untouched ones.
TEST(madvise_dontneed_zeroes_anonymous_pages_and_mincore_sees_which_are_present) {
    const size_t page = 4096;
    auto* memory = static_cast<unsigned char*>(
        mmap(nullptr, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_TRUE(memory != MAP_FAILED);
    memory[0] = 7;
    memory[2 * page] = 9;
    unsigned char present[4] = {};
    ASSERT_EQ(mincore(memory, 4 * page, present), 0);
    EXPECT_EQ(present[0] & 1, 1);
    EXPECT_EQ(present[1] & 1, 0);
    EXPECT_EQ(present[2] & 1, 1);
    EXPECT_EQ(present[3] & 1, 0);
    ASSERT_EQ(madvise(memory, 4 * page, MADV_DONTNEED), 0);
    EXPECT_EQ(memory[0], 0);
    EXPECT_EQ(memory[2 * page], 0);
    EXPECT_ERRNO(mincore(memory + 1, page, present), EINVAL);
    EXPECT_EQ(munmap(memory, 4 * page), 0);
    EXPECT_ERRNO(mincore(memory, page, present), ENOMEM);
}
