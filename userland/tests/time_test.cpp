// Clocks and sleeping: clock_gettime, nanosleep, clock_nanosleep, sched_yield.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cstdint>
#include <ctime>
#include <sched.h>

namespace {

constexpr clockid_t kBadClock = 1000;
constexpr int64_t kNanosecondsPerSecond = 1'000'000'000;

int64_t nanoseconds(const timespec& time) {
    return time.tv_sec * kNanosecondsPerSecond + time.tv_nsec;
}

int64_t monotonic_now() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return nanoseconds(now);
}

timespec from_nanoseconds(int64_t value) {
    return {static_cast<time_t>(value / kNanosecondsPerSecond),
            static_cast<long>(value % kNanosecondsPerSecond)};
}

constexpr int64_t kSleep = 20'000'000; // 20 ms

} // namespace

TEST(monotonic_clock_never_goes_backwards) {
    timespec previous{};
    ASSERT_EQ(clock_gettime(CLOCK_MONOTONIC, &previous), 0);
    for (int i = 0; i < 100'000; ++i) {
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        ASSERT_GE(nanoseconds(now), nanoseconds(previous));
        ASSERT_LT(now.tv_nsec, kNanosecondsPerSecond);
        previous = now;
    }
}

TEST(realtime_clock_is_later_than_2024) {
    timespec now{};
    ASSERT_EQ(clock_gettime(CLOCK_REALTIME, &now), 0);
    EXPECT_GT(now.tv_sec, 1'704'067'200); // 2024-01-01T00:00:00Z
    EXPECT_GT(time(nullptr), 1'704'067'200);
}

TEST(clock_gettime_of_an_unknown_clock_fails_with_einval) {
    timespec now{};
    EXPECT_ERRNO(clock_gettime(kBadClock, &now), EINVAL);
    EXPECT_EQ(sys::raw_syscall(SYS_clock_gettime, kBadClock, sys::arg(&now)), -EINVAL);
}

// Through the raw system call: libc may read the clock without entering the kernel.
TEST(clock_gettime_into_a_bad_pointer_fails_with_efault) {
    EXPECT_EQ(sys::raw_syscall(SYS_clock_gettime, CLOCK_MONOTONIC, 1), -EFAULT);
    EXPECT_EQ(sys::raw_syscall(SYS_clock_gettime, CLOCK_REALTIME, static_cast<long>(0xffff800000000000)),
              -EFAULT);
}

TEST(nanosleep_sleeps_at_least_the_requested_time) {
    const timespec duration = from_nanoseconds(kSleep);
    int64_t start = monotonic_now();
    EXPECT_EQ(nanosleep(&duration, nullptr), 0);
    EXPECT_GE(monotonic_now() - start, kSleep);
}

TEST(nanosleep_of_zero_returns_immediately) {
    const timespec zero{0, 0};
    EXPECT_EQ(nanosleep(&zero, nullptr), 0);
}

TEST(nanosleep_with_an_invalid_duration_fails_with_einval) {
    const timespec too_many_nanoseconds{0, 1'000'000'000};
    const timespec negative_nanoseconds{0, -1};
    const timespec negative_seconds{-1, 0};
    EXPECT_ERRNO(nanosleep(&too_many_nanoseconds, nullptr), EINVAL);
    EXPECT_ERRNO(nanosleep(&negative_nanoseconds, nullptr), EINVAL);
    EXPECT_ERRNO(nanosleep(&negative_seconds, nullptr), EINVAL);
}

TEST(nanosleep_with_a_bad_pointer_fails_with_efault) {
    EXPECT_EQ(sys::raw_syscall(SYS_nanosleep, 1, 0), -EFAULT);
}

TEST(clock_nanosleep_relative_sleeps_at_least_the_requested_time) {
    const timespec duration = from_nanoseconds(kSleep);
    int64_t start = monotonic_now();
    EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &duration, nullptr), 0);
    EXPECT_GE(monotonic_now() - start, kSleep);
}

TEST(clock_nanosleep_absolute_sleeps_until_the_deadline) {
    const int64_t deadline = monotonic_now() + kSleep;
    const timespec until = from_nanoseconds(deadline);
    EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr), 0);
    EXPECT_GE(monotonic_now(), deadline);
}

TEST(clock_nanosleep_absolute_in_the_past_returns_at_once) {
    const timespec past{0, 1};
    EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, nullptr), 0);
}

// clock_nanosleep returns the error number itself, not -1 with errno.
TEST(clock_nanosleep_errors_are_returned_not_set_in_errno) {
    const timespec duration{0, 1000};
    const timespec invalid{0, 1'000'000'000};
    errno = 0;
    EXPECT_EQ(clock_nanosleep(kBadClock, 0, &duration, nullptr), EINVAL);
    EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &invalid, nullptr), EINVAL);
    EXPECT_EQ(errno, 0);
}

TEST(sched_yield_returns_zero) {
    for (int i = 0; i < 100; ++i)
        ASSERT_EQ(sched_yield(), 0);
}
