// futex(2) as one task can see it (plus one child process for a shared futex), the robust-list
// calls, and sysinfo(2). Raw system calls throughout: the kernel's own return values.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

namespace {

// linux/futex.h, which musl does not ship.
enum : int {
    kWait = 0,
    kWake = 1,
    kFd = 2,
    kRequeue = 3,
    kCmpRequeue = 4,
    kWakeOp = 5,
    kLockPi = 6,
    kUnlockPi = 7,
    kTrylockPi = 8,
    kWaitBitset = 9,
    kWakeBitset = 10,
    kWaitRequeuePi = 11,
    kCmpRequeuePi = 12,
    kLockPi2 = 13,
    kPrivate = 128,
    kClockRealtime = 256,
};
enum : uint32_t { kOpSet = 0, kOpAdd = 1, kOpOr = 2, kOpAndn = 3, kOpXor = 4, kOpArgShift = 8 };
enum : uint32_t { kCmpEq = 0, kCmpNe = 1, kCmpLt = 2, kCmpLe = 3, kCmpGt = 4, kCmpGe = 5 };

constexpr uint32_t wake_op(uint32_t op, uint32_t op_argument, uint32_t cmp, uint32_t cmp_argument) {
    return ((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((op_argument & 0xfff) << 12) | (cmp_argument & 0xfff);
}

constexpr int64_t kNanosecondsPerSecond = 1'000'000'000;

long futex(const void* word, int operation, uint32_t value, const timespec* timeout = nullptr,
           const void* word2 = nullptr, uint32_t value3 = 0) {
    return sys::raw_syscall(SYS_futex, reinterpret_cast<long>(word), operation, value,
                            reinterpret_cast<long>(timeout), reinterpret_cast<long>(word2), value3);
}
// The requeue and wake-op forms, whose fourth argument is a count.
long futex_count(const void* word, int operation, uint32_t value, long count, const void* word2,
                 uint32_t value3 = 0) {
    return sys::raw_syscall(SYS_futex, reinterpret_cast<long>(word), operation, value, count,
                            reinterpret_cast<long>(word2), value3);
}

int64_t now_ns(clockid_t clock) {
    timespec now{};
    clock_gettime(clock, &now);
    return now.tv_sec * kNanosecondsPerSecond + now.tv_nsec;
}

timespec from_nanoseconds(int64_t value) {
    return {static_cast<time_t>(value / kNanosecondsPerSecond),
            static_cast<long>(value % kNanosecondsPerSecond)};
}

// A page that was mapped and is not any more: nothing else lands there in a single-threaded test.
void* unmapped_page() {
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return nullptr;
    munmap(page, 4096);
    return page;
}

bool on_blog_os() {
    return sys::detect_system() == sys::System::BlogOs;
}

} // namespace

TEST(futex_wait_on_a_word_holding_another_value_fails_with_eagain) {
    uint32_t word = 1;
    EXPECT_EQ(futex(&word, kWait | kPrivate, 0), -EAGAIN);
    EXPECT_EQ(futex(&word, kWait, 0), -EAGAIN); // shared: keyed by address space for private memory
    EXPECT_EQ(futex(&word, kWaitBitset | kPrivate, 2, nullptr, nullptr, 0xffffffff), -EAGAIN);
}

TEST(futex_wait_with_a_relative_timeout_times_out_after_at_least_that_time) {
    uint32_t word = 0;
    const timespec timeout = from_nanoseconds(20'000'000);
    int64_t start = now_ns(CLOCK_MONOTONIC);
    EXPECT_EQ(futex(&word, kWait | kPrivate, 0, &timeout), -ETIMEDOUT);
    EXPECT_GE(now_ns(CLOCK_MONOTONIC) - start, 20'000'000);
    const timespec zero{0, 0};
    EXPECT_EQ(futex(&word, kWait | kPrivate, 0, &zero), -ETIMEDOUT);
}

TEST(futex_wait_bitset_with_a_past_monotonic_deadline_times_out_at_once) {
    uint32_t word = 0;
    int64_t start = now_ns(CLOCK_MONOTONIC);
    const timespec past = from_nanoseconds(start - 1'000'000 > 0 ? start - 1'000'000 : 0);
    EXPECT_EQ(futex(&word, kWaitBitset | kPrivate, 0, &past, nullptr, 0xffffffff), -ETIMEDOUT);
    EXPECT_LT(now_ns(CLOCK_MONOTONIC) - start, kNanosecondsPerSecond);
}

TEST(futex_wait_bitset_waits_until_an_absolute_deadline_on_either_clock) {
    uint32_t word = 0;
    int64_t deadline = now_ns(CLOCK_MONOTONIC) + 20'000'000;
    const timespec monotonic = from_nanoseconds(deadline);
    EXPECT_EQ(futex(&word, kWaitBitset | kPrivate, 0, &monotonic, nullptr, 1), -ETIMEDOUT);
    EXPECT_GE(now_ns(CLOCK_MONOTONIC), deadline);

    int64_t wall_deadline = now_ns(CLOCK_REALTIME) + 20'000'000;
    const timespec wall = from_nanoseconds(wall_deadline);
    EXPECT_EQ(futex(&word, kWaitBitset | kPrivate | kClockRealtime, 0, &wall, nullptr, 1), -ETIMEDOUT);
    EXPECT_GE(now_ns(CLOCK_REALTIME), wall_deadline);
    const timespec wall_past = from_nanoseconds(now_ns(CLOCK_REALTIME) - kNanosecondsPerSecond);
    EXPECT_EQ(futex(&word, kWaitBitset | kPrivate | kClockRealtime, 0, &wall_past, nullptr, 1), -ETIMEDOUT);
}

TEST(futex_wait_with_an_invalid_timeout_fails_with_einval_or_efault) {
    uint32_t word = 0;
    const timespec too_many_nanoseconds{0, 1'000'000'000};
    const timespec negative_seconds{-1, 0};
    const timespec negative_nanoseconds{0, -1};
    EXPECT_EQ(futex(&word, kWait | kPrivate, 0, &too_many_nanoseconds), -EINVAL);
    EXPECT_EQ(futex(&word, kWait | kPrivate, 0, &negative_seconds), -EINVAL);
    EXPECT_EQ(futex(&word, kWaitBitset | kPrivate, 0, &negative_nanoseconds, nullptr, 1), -EINVAL);
    EXPECT_EQ(futex(&word, kWait | kPrivate, 0, static_cast<const timespec*>(unmapped_page())), -EFAULT);
}

TEST(futex_wake_with_no_waiters_wakes_none) {
    uint32_t word = 0;
    EXPECT_EQ(futex(&word, kWake | kPrivate, 1), 0);
    EXPECT_EQ(futex(&word, kWake, 0x7fffffff), 0);
    EXPECT_EQ(futex(&word, kWakeBitset | kPrivate, 1, nullptr, nullptr, 0x10), 0);
}

TEST(futex_bitset_zero_fails_with_einval) {
    uint32_t word = 0;
    EXPECT_EQ(futex(&word, kWaitBitset | kPrivate, 0, nullptr, nullptr, 0), -EINVAL);
    EXPECT_EQ(futex(&word, kWakeBitset | kPrivate, 1, nullptr, nullptr, 0), -EINVAL);
}

TEST(futex_on_a_misaligned_word_fails_with_einval) {
    alignas(8) uint32_t words[2] = {};
    const void* misaligned = reinterpret_cast<const char*>(words) + 2;
    EXPECT_EQ(futex(misaligned, kWait | kPrivate, 0), -EINVAL);
    EXPECT_EQ(futex(misaligned, kWake | kPrivate, 1), -EINVAL);
    EXPECT_EQ(futex(misaligned, kWake, 1), -EINVAL);
}

// Linux keys a private futex without looking at the memory: only reading the word (a wait) or a
// shared futex's look-up fault.
TEST(futex_on_an_unmapped_word_fails_with_efault) {
    void* page = unmapped_page();
    ASSERT_TRUE(page != nullptr);
    EXPECT_EQ(futex(page, kWait | kPrivate, 0), -EFAULT);
    EXPECT_EQ(futex(page, kWait, 0), -EFAULT);
    EXPECT_EQ(futex(page, kWake, 1), -EFAULT);
    EXPECT_EQ(futex(page, kWake | kPrivate, 1), 0);
    EXPECT_EQ(futex(reinterpret_cast<void*>(0xffff800000000000), kWait | kPrivate, 0), -EFAULT);
}

TEST(futex_wake_op_changes_the_second_word_as_each_operation_says) {
    uint32_t first = 0;
    struct Case {
        uint32_t op, argument, before, after;
    };
    const Case cases[] = {
        {kOpSet, 5, 100, 5},
        {kOpAdd, 5, 100, 105},
        {kOpAdd, 0xfff, 100, 99}, // the argument is a signed 12-bit number
        {kOpOr, 0x0f, 0xf0, 0xff},
        {kOpAndn, 0x0f, 0xff, 0xf0},
        {kOpXor, 0xff, 0x0f, 0xf0},
        {kOpSet | kOpArgShift, 4, 0, 1u << 4},
        {kOpOr | kOpArgShift, 31, 1, 0x80000001},
    };
    for (const Case& each : cases) {
        uint32_t second = each.before;
        EXPECT_EQ(futex_count(&first, kWakeOp | kPrivate, 1, 1, &second,
                              wake_op(each.op, each.argument, kCmpEq, 0)),
                  0);
        EXPECT_EQ(second, each.after);
    }
    for (uint32_t cmp : {kCmpEq, kCmpNe, kCmpLt, kCmpLe, kCmpGt, kCmpGe}) {
        uint32_t second = 3;
        EXPECT_EQ(futex_count(&first, kWakeOp, 1, 1, &second, wake_op(kOpAdd, 1, cmp, 3)), 0);
        EXPECT_EQ(second, 4u);
    }
    EXPECT_EQ(first, 0u);
}

// As Linux: an unknown operation changes nothing; an unknown comparison comes after the change.
TEST(futex_wake_op_with_an_unknown_operation_or_comparison_fails_with_enosys) {
    uint32_t first = 0, second = 10;
    EXPECT_EQ(futex_count(&first, kWakeOp | kPrivate, 1, 1, &second, wake_op(5, 1, kCmpEq, 0)), -ENOSYS);
    EXPECT_EQ(second, 10u);
    EXPECT_EQ(futex_count(&first, kWakeOp | kPrivate, 1, 1, &second, wake_op(kOpAdd, 1, 6, 0)), -ENOSYS);
    EXPECT_EQ(second, 11u);
}

TEST(futex_wake_op_on_a_word_it_cannot_write_fails_with_efault) {
    uint32_t first = 0;
    void* page = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(page, MAP_FAILED);
    EXPECT_EQ(futex_count(&first, kWakeOp | kPrivate, 1, 1, page, wake_op(kOpSet, 1, kCmpEq, 0)), -EFAULT);
    EXPECT_EQ(*static_cast<uint32_t*>(page), 0u);
    munmap(page, 4096);
    EXPECT_EQ(futex_count(&first, kWakeOp | kPrivate, 1, 1, unmapped_page(), wake_op(kOpSet, 1, kCmpEq, 0)),
              -EFAULT);
}

TEST(futex_cmp_requeue_checks_the_word_and_its_counts) {
    uint32_t from = 7, to = 0;
    EXPECT_EQ(futex_count(&from, kCmpRequeue | kPrivate, 1, 1, &to, 8), -EAGAIN);
    EXPECT_EQ(futex_count(&from, kCmpRequeue | kPrivate, 1, 1, &to, 7), 0);
    EXPECT_EQ(futex_count(&from, kCmpRequeue | kPrivate, 1, -1, &to, 7), -EINVAL);
    EXPECT_EQ(futex_count(&from, kCmpRequeue | kPrivate, static_cast<uint32_t>(-1), 1, &to, 7), -EINVAL);
    EXPECT_EQ(futex_count(&from, kRequeue | kPrivate, 1, 1, &to), 0);
    EXPECT_EQ(futex_count(&from, kCmpRequeue, 1, 1, unmapped_page(), 7), -EFAULT);
}

// Priority inheritance is not implemented on blog_os; on Linux unlocking a lock this thread does
// not own is EPERM.
TEST(futex_priority_inheritance_operations_fail_with_enosys) {
    uint32_t word = 0, other = 0;
    if (!on_blog_os()) {
        EXPECT_EQ(futex(&word, kUnlockPi | kPrivate, 0), -EPERM);
        return;
    }
    for (int operation : {kLockPi, kUnlockPi, kTrylockPi, kLockPi2})
        EXPECT_EQ(futex(&word, operation | kPrivate, 0), -ENOSYS);
    EXPECT_EQ(futex(&word, kWaitRequeuePi | kPrivate, 0, nullptr, &other), -ENOSYS);
    EXPECT_EQ(futex_count(&word, kCmpRequeuePi | kPrivate, 1, 1, &other, 0), -ENOSYS);
    EXPECT_EQ(word, 0u);
}

TEST(futex_unknown_operations_and_a_realtime_clock_for_a_wake_fail_with_enosys) {
    uint32_t word = 0;
    EXPECT_EQ(futex(&word, kFd, 0), -ENOSYS);
    EXPECT_EQ(futex(&word, 14 | kPrivate, 0), -ENOSYS);
    EXPECT_EQ(futex(&word, kWake | kPrivate | kClockRealtime, 1), -ENOSYS);
}

// The word at offset 64 of the file argv[0], mapped shared: waits for it to be woken (exit 0), or
// exits 1 on a timeout, 2 on anything else.
CHILD_SCENARIO(wait_on_shared_file_word) {
    if (argc < 1)
        return 2;
    int fd = open(argv[0], O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 2;
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (page == MAP_FAILED)
        return 2;
    const timespec timeout{10, 0};
    long result = futex(static_cast<char*>(page) + 64, kWait, 0, &timeout);
    return result == 0 ? 0 : result == -ETIMEDOUT ? 1 : 2;
}

// Two processes, two mappings of one file: the key is the file's page, not either address.
TEST(futex_wake_in_a_shared_file_mapping_reaches_a_waiter_in_another_process) {
    char path[] = "/tmp/futex_test.XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 4096), 0);
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ASSERT_NE(page, MAP_FAILED);
    pid_t child = test::spawn_child("wait_on_shared_file_word", {path});
    long woken = 0;
    for (int attempt = 0; attempt < 5000 && woken == 0; ++attempt) {
        woken = futex(static_cast<char*>(page) + 64, kWake, 1);
        if (woken == 0)
            usleep(1000);
    }
    EXPECT_EQ(woken, 1);
    EXPECT_EXITED(test::wait_child(child), 0);
    munmap(page, 4096);
    close(fd);
    unlink(path);
}

namespace {
// An empty list (it points at itself), static so a kernel that walks it at exit finds it intact.
struct RobustListHead {
    void* list;
    long futex_offset;
    void* list_op_pending;
} robust_head{&robust_head, 0, nullptr};
} // namespace

TEST(set_robust_list_records_a_head_that_get_robust_list_returns) {
    long original = 0, original_length = 0;
    ASSERT_EQ(sys::raw_syscall(SYS_get_robust_list, 0, sys::arg(&original), sys::arg(&original_length)), 0);
    EXPECT_EQ(sys::raw_syscall(SYS_set_robust_list, sys::arg(&robust_head), 23), -EINVAL);
    ASSERT_EQ(sys::raw_syscall(SYS_set_robust_list, sys::arg(&robust_head), sizeof robust_head), 0);
    long got = 0, length = 0;
    EXPECT_EQ(sys::raw_syscall(SYS_get_robust_list, 0, sys::arg(&got), sys::arg(&length)), 0);
    EXPECT_EQ(got, sys::arg(&robust_head));
    EXPECT_EQ(length, 24);
    got = 0;
    EXPECT_EQ(sys::raw_syscall(SYS_get_robust_list, sys::raw_syscall(SYS_gettid), sys::arg(&got),
                               sys::arg(&length)),
              0);
    EXPECT_EQ(got, sys::arg(&robust_head));
    EXPECT_EQ(sys::raw_syscall(SYS_get_robust_list, 0, 1, sys::arg(&length)), -EFAULT);
    EXPECT_EQ(sys::raw_syscall(SYS_get_robust_list, 0x3fffffff, sys::arg(&got), sys::arg(&length)), -ESRCH);
    if (original != 0)
        EXPECT_EQ(sys::raw_syscall(SYS_set_robust_list, original, original_length), 0);
}

TEST(sysinfo_reports_plausible_totals_and_an_uptime_that_grows) {
    struct sysinfo before {};
    ASSERT_EQ(sys::raw_syscall(SYS_sysinfo, sys::arg(&before)), 0);
    EXPECT_EQ(before.mem_unit, 1u);
    EXPECT_GT(before.totalram, before.freeram);
    EXPECT_GT(before.freeram, 0ul);
    EXPECT_GE(before.procs, 1);
    if (on_blog_os())
        EXPECT_EQ(before.totalswap, 0ul); // no swap yet
    const timespec a_second{1, 100'000'000};
    nanosleep(&a_second, nullptr);
    struct sysinfo after {};
    ASSERT_EQ(sys::raw_syscall(SYS_sysinfo, sys::arg(&after)), 0);
    EXPECT_GT(after.uptime, before.uptime);
}
