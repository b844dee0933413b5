#include "test/ktest.h"

#include "arch/machine.h"
#include "console/console.h"
#include "debug/panic.h"
#include "time/clock.h"

extern "C" const ktest::KernelTest __kernel_tests_start[];
extern "C" const ktest::KernelTest __kernel_tests_end[];

namespace ktest {

namespace {

bool failed;
int failures_reported;

// Tests named fails_on_purpose_* prove the harness reports failures; they run only when named in full.
bool is_selected(const KernelTest& test, ktl::StringView filter) {
    ktl::StringView name(test.name);
    if (name.starts_with("fails_on_purpose_"))
        return name == filter;
    return filter.is_empty() || name.contains(filter);
}

} // namespace

void record_failure(const char* file, int line, ktl::StringView reason) {
    failed = true;
    // The first few reasons are enough to act on; a test failing in a loop must not flood the log.
    if (++failures_reported <= 5)
        console::print("    \x1b[31m{}:{}: {}\x1b[0m\n", file, line, reason);
}

bool current_test_failed() {
    return failed;
}

void run_tests(ktl::StringView filter) {
    size_t selected = 0;
    for (const KernelTest* test = __kernel_tests_start; test != __kernel_tests_end; ++test)
        if (is_selected(*test, filter))
            ++selected;
    console::print("running {} kernel test{}{}{}\n", selected, selected == 1 ? "" : "s",
                   filter.is_empty() ? "" : " matching ", filter);

    int passed = 0, failed_count = 0;
    for (const KernelTest* test = __kernel_tests_start; test != __kernel_tests_end; ++test) {
        if (!is_selected(*test, filter))
            continue;
        failed = false;
        failures_reported = 0;
        debug::set_current_test(test->name);
        uint64_t start = time::monotonic_ns();
        test->function();
        uint64_t elapsed_ms = (time::monotonic_ns() - start) / 1000000;
        debug::set_current_test(nullptr);
        if (failed) {
            ++failed_count;
            console::print("test {} ... \x1b[1;31mFAILED\x1b[0m ({} ms)\n", test->name, elapsed_ms);
        } else {
            ++passed;
            console::print("test {} ... \x1b[32mok\x1b[0m ({} ms)\n", test->name, elapsed_ms);
        }
    }
    console::print("{} passed, {} failed\n", passed, failed_count);
    if (selected == 0)
        console::print("no kernel test matches '{}'\n", filter);
    arch::exit_emulator(failed_count == 0 && selected > 0 ? qemu::KernelExit::Success
                                                          : qemu::KernelExit::Failure);
}

} // namespace ktest
