// CPU faults in user mode kill only the faulting process, with the signal Linux uses. Each fault runs
// in a child (this program re-executed with `--child fault KIND`), so the test does not depend on
// where /bin/fault is installed.
#include "sys/faults.h"
#include "test/test.h"

#include <fcntl.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

constexpr int simd_not_trapped = 77;

void expect_killed_by(const char* kind, int signal) {
    const faults::Fault* fault = faults::find(kind);
    ASSERT_TRUE(fault != nullptr);
    EXPECT_EQ(fault->expected_signal, signal);
    EXPECT_SIGNALED(test::run_child("fault", {kind}), signal);
}

} // namespace

CHILD_SCENARIO(fault) {
    const faults::Fault* fault = argc == 1 ? faults::find(argv[0]) : nullptr;
    if (fault == nullptr)
        return 2;
    // No core files on hosts that would write them (failure to set it is harmless).
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    fault->trigger();
    // Still here. An SSE exception the CPU only flagged (MXCSR.ZE) was never trapped: QEMU's TCG
    // does not model SIMD exceptions. Say so, rather than fail for the emulator.
    uint32_t mxcsr = 0;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    if (std::string_view(argv[0]) == "simd" && (mxcsr & 4))
        return simd_not_trapped;
    return 1;
}

TEST(reading_address_zero_kills_with_sigsegv) {
    expect_killed_by("null-read", SIGSEGV);
}
TEST(writing_address_zero_kills_with_sigsegv) {
    expect_killed_by("null-write", SIGSEGV);
}
TEST(privileged_instruction_kills_with_sigsegv) {
    expect_killed_by("gp", SIGSEGV);
}
TEST(invalid_opcode_kills_with_sigill) {
    expect_killed_by("ud", SIGILL);
}
TEST(integer_divide_by_zero_kills_with_sigfpe) {
    expect_killed_by("divide", SIGFPE);
}
TEST(unmasked_simd_exception_kills_with_sigfpe) {
    int status = test::run_child("fault", {"simd"});
    if (WIFEXITED(status) && WEXITSTATUS(status) == simd_not_trapped) {
        std::printf("fault_test: skipped: this CPU flags SIMD exceptions without trapping (QEMU TCG)\n");
        return;
    }
    expect_killed_by("simd", SIGFPE);
}
TEST(stack_overflow_kills_with_sigsegv) {
    expect_killed_by("stack-overflow", SIGSEGV);
}
TEST(writing_read_only_data_kills_with_sigsegv) {
    expect_killed_by("write-readonly", SIGSEGV);
}
TEST(executing_a_data_page_kills_with_sigsegv) {
    expect_killed_by("exec-data", SIGSEGV);
}

TEST(every_fault_kind_is_tested) {
    EXPECT_EQ(faults::all().size(), 9u);
}

// The parent is unaffected by its children's faults and can keep spawning.
TEST(a_process_keeps_running_after_its_children_fault) {
    for (int i = 0; i < 3; ++i)
        EXPECT_SIGNALED(test::run_child("fault", {"null-write"}), SIGSEGV);
    EXPECT_EXITED(test::run_child("fault", {"no-such-kind"}), 2);
}

namespace {
// A two-page shared or private mapping of a 100-byte file in /tmp (the file is unlinked at once).
volatile unsigned char* map_short_file(int flags) {
    char path[] = "/tmp/fault_test_shortXXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return nullptr;
    unlink(path);
    char bytes[100] = {1};
    if (write(fd, bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes))
        return nullptr;
    void* mapping = mmap(nullptr, 2 * 4096, PROT_READ | PROT_WRITE, flags, fd, 0);
    close(fd);
    return mapping == MAP_FAILED ? nullptr : static_cast<volatile unsigned char*>(mapping);
}

sigjmp_buf g_bus_escape;
siginfo_t g_bus_info;
void on_bus(int, siginfo_t* info, void*) {
    g_bus_info = *info;
    siglongjmp(g_bus_escape, 1);
}
} // namespace

CHILD_SCENARIO(touch_past_end_of_file) {
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    volatile unsigned char* mapping =
        map_short_file(argc == 1 && argv[0][0] == 's' ? MAP_SHARED : MAP_PRIVATE);
    if (!mapping)
        return 2;
    if (mapping[0] != 1 || mapping[4095] != 0) // the rest of the file's last page reads as zeros
        return 3;
    return mapping[4096]; // the second page lies wholly past the end
}

TEST(touching_a_mapped_page_past_the_end_of_its_file_kills_with_sigbus) {
    EXPECT_SIGNALED(test::run_child("touch_past_end_of_file", {"shared"}), SIGBUS);
    EXPECT_SIGNALED(test::run_child("touch_past_end_of_file", {"private"}), SIGBUS);
}

TEST(a_sigbus_handler_gets_bus_adrerr_and_the_address) {
    volatile unsigned char* mapping = map_short_file(MAP_SHARED);
    ASSERT_TRUE(mapping != nullptr);
    struct sigaction action {
    }, saved{};
    action.sa_sigaction = on_bus;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    ASSERT_EQ(sigaction(SIGBUS, &action, &saved), 0);
    volatile bool faulted = false;
    if (sigsetjmp(g_bus_escape, 1) == 0)
        mapping[4096 + 12] = 5;
    else
        faulted = true;
    sigaction(SIGBUS, &saved, nullptr);
    EXPECT_TRUE(faulted);
    EXPECT_EQ(g_bus_info.si_signo, SIGBUS);
    EXPECT_EQ(g_bus_info.si_code, BUS_ADRERR);
    EXPECT_EQ(g_bus_info.si_addr, const_cast<unsigned char*>(mapping + 4096 + 12));
    munmap(const_cast<unsigned char*>(mapping), 2 * 4096);
}
