// The operations /bin/bench times, run a few times each: every one must succeed and pass its own
// checks (pids differ, pages read back, the pipe carries the bytes), here and on Linux.
#include "operations.h"

#include "sys/raw_syscall.h"
#include "test/test.h"

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

TEST(two_processes_yield_to_each_other) {
    EXPECT_TRUE(bench::yield_switch(self(), 200).ok);
}

TEST(unknown_helpers_are_refused) {
    EXPECT_EQ(bench::run_child("no-such-helper", 0, nullptr), -1);
}
