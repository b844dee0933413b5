// The operations /bin/bench times, run a few times each: every one must succeed and pass its own
// checks (pids differ, pages read back, the pipe carries the bytes, files hold what was written),
// here and on Linux.
#include "operations.h"

#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace {

const char* self() {
    return test::self_path();
}

} // namespace

CHILD_SCENARIO(exit_now) {
    return bench::run_child("exit_now", argc, argv);
}
CHILD_SCENARIO(echo) {
    return bench::run_child("echo", argc, argv);
}
CHILD_SCENARIO(yield) {
    return bench::run_child("yield", argc, argv);
}

TEST(null_syscalls_return_the_pid) {
    EXPECT_TRUE(bench::null_syscall(1000).ok);
}

TEST(int80_null_syscalls_return_the_pid) {
    long number = sys::int80_getpid_number(sys::detect_system());
    ASSERT_GE(number, 0);
    EXPECT_TRUE(bench::int80_null_syscall(1000, number).ok);
}

TEST(clock_reads_never_go_backwards_and_advance) {
    EXPECT_TRUE(bench::clock_gettime_libc(5000).ok);
    EXPECT_TRUE(bench::clock_gettime_raw(5000).ok);
    EXPECT_TRUE(bench::gettimeofday_libc(5000).ok);
}

TEST(first_touched_pages_read_back) {
    bench::Outcome outcome = bench::first_touch(64);
    EXPECT_TRUE(outcome.ok);
    EXPECT_GT(outcome.elapsed_ns, 0u);
}

TEST(munmap_frees_the_range_for_a_fresh_mapping) {
    EXPECT_TRUE(bench::munmap_touched(1).ok);
}

TEST(one_page_mappings_come_and_go) {
    EXPECT_TRUE(bench::mmap_munmap_page(100).ok);
}

TEST(brk_grows_page_by_page_and_shrinks_back) {
    long before = sys::raw_syscall(SYS_brk, 0);
    EXPECT_TRUE(bench::brk_grow_page(16).ok);
    EXPECT_EQ(sys::raw_syscall(SYS_brk, 0), before);
}

TEST(spawned_children_exit_with_their_own_pids) {
    EXPECT_TRUE(bench::spawn_wait(self(), 5).ok);
}

TEST(the_pipe_partner_complements_every_byte) {
    EXPECT_TRUE(bench::pipe_ping_pong(self(), 300).ok);
}

TEST(forked_children_exit_with_their_own_pids) {
    EXPECT_TRUE(bench::fork_wait(5).ok);
}

TEST(threads_created_and_joined_return_their_own_values) {
    EXPECT_TRUE(bench::thread_create_join(5).ok);
}

TEST(forked_children_execute_the_exit_helper) {
    EXPECT_TRUE(bench::fork_exec_wait(self(), 3).ok);
}

TEST(a_child_forked_with_64_mebibytes_touched_writes_only_its_own_copy) {
    EXPECT_TRUE(bench::fork_touched(1).ok);
}

TEST(two_processes_yield_to_each_other) {
    EXPECT_TRUE(bench::yield_switch(self(), 200).ok);
}

TEST(unknown_helpers_are_refused) {
    EXPECT_EQ(bench::run_child("no-such-helper", 0, nullptr), -1);
}

// The file operations, each in a scratch directory of its own that must be empty again afterwards.
namespace {

class ScratchDirectory {
public:
    ScratchDirectory() { m_made = bench::make_scratch_directory(m_path, sizeof m_path); }
    ~ScratchDirectory() {
        if (m_made)
            EXPECT_TRUE(bench::remove_scratch_directory(m_path)); // the operation left nothing behind
    }
    bool made() const { return m_made; }
    const char* path() const { return m_path; }

private:
    char m_path[128] = {};
    bool m_made = false;
};

} // namespace

TEST(scratch_directories_are_fresh_each_time) {
    ScratchDirectory first;
    ScratchDirectory second;
    ASSERT_TRUE(first.made());
    ASSERT_TRUE(second.made());
    EXPECT_NE(strcmp(first.path(), second.path()), 0);
    struct stat status {};
    ASSERT_EQ(stat(first.path(), &status), 0);
    EXPECT_TRUE(S_ISDIR(status.st_mode));
}

TEST(written_blocks_read_back_pass_after_pass) {
    ScratchDirectory directory;
    ASSERT_TRUE(directory.made());
    bench::Outcome outcome = bench::file_write(directory.path(), 64 * bench::kFileBlock, 3);
    EXPECT_TRUE(outcome.ok);
    EXPECT_GT(outcome.elapsed_ns, 0u);
}

TEST(read_blocks_are_the_files_bytes) {
    ScratchDirectory directory;
    ASSERT_TRUE(directory.made());
    bench::Outcome outcome = bench::file_read(directory.path(), 64 * bench::kFileBlock, 3);
    EXPECT_TRUE(outcome.ok);
    EXPECT_GT(outcome.elapsed_ns, 0u);
}

TEST(file_sizes_that_are_not_whole_blocks_are_refused) {
    ScratchDirectory directory;
    ASSERT_TRUE(directory.made());
    EXPECT_FALSE(bench::file_write(directory.path(), 100, 1).ok);
    EXPECT_FALSE(bench::file_read(directory.path(), 0, 1).ok);
}

TEST(an_existing_file_opens_and_closes) {
    ScratchDirectory directory;
    ASSERT_TRUE(directory.made());
    EXPECT_TRUE(bench::open_close(directory.path(), 100).ok);
}

TEST(a_file_eight_directories_deep_stats_as_itself) {
    ScratchDirectory directory;
    ASSERT_TRUE(directory.made());
    EXPECT_TRUE(bench::stat_deep(directory.path(), 100).ok);
}

TEST(a_listing_has_every_entry_once_with_dot_and_dot_dot) {
    ScratchDirectory directory;
    ASSERT_TRUE(directory.made());
    ASSERT_TRUE(bench::make_listing(directory.path(), 1000));
    EXPECT_TRUE(bench::list_directory(directory.path(), 1000, 3).ok);
    EXPECT_TRUE(bench::remove_listing(directory.path(), 1000));
}

TEST(a_listing_with_an_entry_too_many_or_missing_fails) {
    ScratchDirectory directory;
    ASSERT_TRUE(directory.made());
    ASSERT_TRUE(bench::make_listing(directory.path(), 10));
    EXPECT_FALSE(bench::list_directory(directory.path(), 9, 1).ok);  // entry0009 was never announced
    EXPECT_FALSE(bench::list_directory(directory.path(), 11, 1).ok); // entry0010 is missing
    EXPECT_TRUE(bench::list_directory(directory.path(), 10, 1).ok);
    EXPECT_TRUE(bench::remove_listing(directory.path(), 10));
}

TEST(created_files_exist_until_unlinked) {
    ScratchDirectory directory;
    ASSERT_TRUE(directory.made());
    EXPECT_TRUE(bench::create_unlink(directory.path(), 100).ok);
}

TEST(mapped_file_pages_hold_the_files_bytes) {
    ScratchDirectory directory;
    ASSERT_TRUE(directory.made());
    bench::Outcome outcome = bench::file_page_fault(directory.path(), 64);
    EXPECT_TRUE(outcome.ok);
    EXPECT_GT(outcome.elapsed_ns, 0u);
}

TEST(file_operations_fail_without_their_directory) {
    EXPECT_FALSE(bench::file_write("/no-such-directory/bench", bench::kFileBlock, 1).ok);
    EXPECT_FALSE(bench::open_close("/no-such-directory/bench", 1).ok);
    EXPECT_FALSE(bench::create_unlink("/no-such-directory/bench", 1).ok);
    EXPECT_FALSE(bench::list_directory("/no-such-directory/bench", 10, 1).ok);
}
