// In-kernel tests. KTEST(name) { ... } registers a test in the .kernel_tests section; booting with
// `test` on the command line runs them all (`test=substring` runs the matching ones), prints one line
// per test and "N passed, N failed", and exits QEMU with success or failure.
//
// KEXPECT* record a failure and let the test continue; KASSERT* record it and return from the test.
#pragma once

#include "ktl/format.h"

namespace ktest {

struct KernelTest {
    const char* name;
    void (*function)();
    const char* file;
    int line;
};

// Records a failure of the running test with a formatted reason.
void record_failure(const char* file, int line, ktl::StringView reason);
bool current_test_failed();

template <typename... Args>
void fail(const char* file, int line, ktl::StringView format_string, const Args&... args) {
    char reason[256];
    record_failure(file, line, ktl::format_into(reason, sizeof reason, format_string, args...));
}

// Runs the tests selected by `filter` (empty: all) and exits QEMU; never returns.
[[noreturn]] void run_tests(ktl::StringView filter);

} // namespace ktest

#define KTEST(test_name)                                                                                     \
    static void ktest_function_##test_name();                                                                \
    [[gnu::used, gnu::section(".kernel_tests")]] static const ::ktest::KernelTest ktest_entry_##test_name{   \
        #test_name, ktest_function_##test_name, __FILE__, __LINE__};                                         \
    static void ktest_function_##test_name()

#define KTEST_CHECK_IMPL(condition, on_failure, ...)                                                         \
    do {                                                                                                     \
        if (!(condition)) {                                                                                  \
            ::ktest::fail(__FILE__, __LINE__, __VA_ARGS__);                                                  \
            on_failure;                                                                                      \
        }                                                                                                    \
    } while (0)

#define KEXPECT(condition) KTEST_CHECK_IMPL(condition, (void)0, "expected: {}", #condition)
#define KASSERT(condition) KTEST_CHECK_IMPL(condition, return, "expected: {}", #condition)
#define KEXPECT_EQ(actual, expected)                                                                         \
    do {                                                                                                     \
        auto&& ktest_actual = (actual);                                                                      \
        auto&& ktest_expected = (expected);                                                                  \
        KTEST_CHECK_IMPL(ktest_actual == ktest_expected, (void)0, "expected {} == {}: got {}, want {}",      \
                         #actual, #expected, ktest_actual, ktest_expected);                                  \
    } while (0)
#define KASSERT_EQ(actual, expected)                                                                         \
    do {                                                                                                     \
        auto&& ktest_actual = (actual);                                                                      \
        auto&& ktest_expected = (expected);                                                                  \
        KTEST_CHECK_IMPL(ktest_actual == ktest_expected, return, "expected {} == {}: got {}, want {}",       \
                         #actual, #expected, ktest_actual, ktest_expected);                                  \
    } while (0)
