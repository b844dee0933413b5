// User space end to end: init runs every userland test program inside blog_os (the same programs
// pass on Linux in the host suite); an unmodified musl-gcc program built here runs from an initrd;
// a tree built, renamed, linked and listed by a musl-gcc program reads as on Linux;
// a million getpid calls through each entry complete.
#include "e2e_support.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <regex>
#include <string>

using testing::HasSubstr;

namespace {

namespace fs = std::filesystem;

class UserlandUnderFirmware : public testing::TestWithParam<const char*> {};

TEST_P(UserlandUnderFirmware, InitRunsEveryTestProgramAndAllPass) {
    const std::string firmware = GetParam();
    auto run = e2e::run_kernel("userland-init-test-" + firmware,
                               {"--firmware=" + firmware, "--timeout=200", "--cmdline=-- test"});
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors; // init's exit status stops the machine
    EXPECT_THAT(run.serial, HasSubstr("Starting init process\n"));
    for (const char* program :
         {"io_test",     "process_test",   "memory_test",  "time_test",         "identity_test",
          "system_test", "signal_test",    "fault_test",   "bench_test",        "vdso_test",
          "file_test",   "directory_test", "devices_test", "fork_test",         "futex_test",
          "timer_test",  "tty_test",       "thread_test",  "toolbox_test",      "vt_test",
          "sysfs_test",  "fb_test",        "module_test",  "block_device_test", "truncate_test"})
        EXPECT_THAT(run.serial, HasSubstr(std::string("program /tests/") + program + " ... ok")) << program;
    // init's own summary, after the last program's line (a program's count could match a bare regex).
    EXPECT_THAT(run.serial,
                testing::ContainsRegex("program /tests/truncate_test \\.\\.\\. ok\n25 passed, 0 failed\n"));
    EXPECT_THAT(run.serial, HasSubstr("the first process ended (code 0)"));
}

INSTANTIATE_TEST_SUITE_P(Firmwares, UserlandUnderFirmware, testing::Values("bios", "uefi"));

// What `make bench` boots, here through the debug build: every metric is measured and checked. The
// shell rows run a debug sh, sort and busybox for about a minute under TCG: a longer timeout.
TEST(Userland, TheBenchmarkRunsAsInitAndEveryCheckPasses) {
    auto run =
        e2e::run_kernel("userland-bench", {"--firmware=bios", "--timeout=360", "--cmdline=init=/bin/bench"});
    EXPECT_THAT(run.serial, HasSubstr("bench: started\n"));
    EXPECT_THAT(run.serial, HasSubstr("bench-info system blog_os "));
    for (const char* metric :
         {"syscall-null",     "int80-null",        "clock_gettime-libc", "clock_gettime-syscall",
          "gettimeofday",     "page-fault",        "munmap-64m",         "mmap-munmap",
          "brk-grow",         "spawn-wait",        "pipe-pingpong",      "sched-yield",
          "boot-guest",       "memory-used",       "file-write-4k",      "file-read-4k",
          "open-close",       "stat-depth8",       "getdents-1000",      "create-unlink",
          "file-page-fault",  "fork-wait",         "fork-exec-wait",     "fork-64m",
          "signal-roundtrip", "futex-wake",        "thread-create-join", "ash-true-loop",
          "sh-true-loop",     "ash-sort-pipeline", "sh-sort-pipeline"}) {
        EXPECT_THAT(run.serial, HasSubstr(std::string("bench-result ") + metric + " ")) << metric;
        EXPECT_THAT(run.serial, testing::Not(HasSubstr(std::string("bench-failed ") + metric + "\n")))
            << metric;
    }
    EXPECT_THAT(run.serial, HasSubstr("bench: done, 31 results, 0 failed\n"));
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
}

// The normal boot: init mounts, runs /etc/rc (its welcome) and starts a shell on the serial console.
TEST(Userland, InitWithoutArgumentsRunsRcAndStartsAShellOnTheConsole) {
    auto run = e2e::run_kernel(
        "userland-init", {"--firmware=bios", "--timeout=90", "--expect=Welcome to blog_os", "--expect=# "});
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("Starting init process\n"));
    EXPECT_THAT(run.serial,
                testing::ContainsRegex("\\[T1\\]\\[P1\\]\\[proc\\].*starting /init as process 1"));
    EXPECT_THAT(run.serial, HasSubstr("'poweroff' or 'reboot' ends the session."));
    // The kernel already mounted what init would: nothing failed, no shell is missing on ttyS0.
    EXPECT_THAT(run.serial, testing::Not(HasSubstr("init: cannot")));
    EXPECT_THAT(run.serial, testing::Not(HasSubstr("init: no /dev/ttyS0")));
}

// A faulting first process is killed with a report whose user frames read as in the source: C++
// names demangled, C names as they are. Its signal then ends the run.
TEST(Userland, AFaultReportNamesTheUserFramesReadably) {
    auto run = e2e::run_kernel("userland-fault-report",
                               {"--firmware=bios", "--timeout=60", "--cmdline=init=/bin/fault -- null-read"});
    EXPECT_NE(run.exit_code, 0);
    EXPECT_THAT(run.serial, HasSubstr("user backtrace (frame pointers):"));
    EXPECT_THAT(run.serial, testing::ContainsRegex(
                                "#0 +0x[0-9a-f]+ faults::\\(anonymous namespace\\)::null_read\\(\\)\\+0x"));
    EXPECT_THAT(run.serial, testing::ContainsRegex("#1 +0x[0-9a-f]+ main\\+0x"));
    EXPECT_THAT(run.serial, HasSubstr("the first process ended (signal 11)"));
}

// One boot per entry: getpid-loop is the first process, so its exit status ends the run.
class GetpidLoop : public testing::TestWithParam<const char*> {};

TEST_P(GetpidLoop, AMillionCallsComplete) {
    const std::string entry = GetParam();
    auto run =
        e2e::run_kernel("getpid-loop-" + entry, {"--firmware=bios", "--timeout=200",
                                                 "--cmdline=init=/bin/getpid-loop -- 1000000 " + entry});
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("getpid-loop: 1000000 calls via " + entry + " ok"));
}

INSTANTIATE_TEST_SUITE_P(Entries, GetpidLoop, testing::Values("syscall", "int80"));

// The issue's own check: a C program built in the test with Debian's musl-gcc, unmodified.
TEST(Userland, MuslGccHelloBuiltHereRunsFromAnInitrd) {
    if (std::system("command -v musl-gcc > /dev/null 2>&1") != 0)
        GTEST_SKIP() << "musl-gcc is not installed (package musl-tools)";
    char pattern[] = "/tmp/blog_os_e2e_musl_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    fs::path tree = pattern;
    fs::path source = tree.parent_path() / (tree.filename().string() + ".c");
    std::ofstream(source)
        << "#include <stdio.h>\n"
           "int main(int argc, char** argv) {\n"
           "    printf(\"hello from musl-gcc, %d argument(s), first '%s'\\n\", argc, argv[1]);\n"
           "    return 0;\n"
           "}\n";
    std::string command = "musl-gcc -static -O2 -o " + (tree / "hello").string() + " " + source.string();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    // Started through a relative link with "..", as busybox-style trees link their programs.
    fs::create_directories(tree / "usr/bin");
    fs::create_symlink("../../hello", tree / "usr/bin/hi");
    auto run =
        e2e::run_kernel("musl-gcc-hello", {"--firmware=bios", "--timeout=60", "--initrd=" + tree.string(),
                                           "--cmdline=init=/usr/bin/hi -- blog_os"});
    fs::remove_all(tree);
    fs::remove(source);
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    EXPECT_THAT(run.serial, HasSubstr("hello from musl-gcc, 2 argument(s), first 'blog_os'\n"));
    EXPECT_THAT(run.serial, HasSubstr("Process ending with code: 0"));
}

// tests/e2e/programs/tree_walk.c, built here with musl-gcc -static, builds a tree under /tmp, renames,
// links, truncates, lists it and tries calls that must fail. Its output on this Linux host is what
// blog_os must print, byte for byte, when it runs the same binary as its first process.
TEST(Userland, MuslGccTreeWalkPrintsWhatItPrintsOnLinux) {
    if (std::system("command -v musl-gcc > /dev/null 2>&1") != 0)
        GTEST_SKIP() << "musl-gcc is not installed (package musl-tools)";
    const std::string begin_marker = "=== tree_walk begin ===\n";
    const std::string end_marker = "=== tree_walk end ===\n";
    char pattern[] = "/tmp/blog_os_e2e_tree_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    fs::path tree = pattern;
    fs::path program = tree / "tree_walk";
    std::string command = "musl-gcc -static -O2 -o " + program.string() + " " + BLOG_OS_SOURCE_DIR +
                          "/tests/e2e/programs/tree_walk.c";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;

    std::string expected;
    FILE* host_run = popen(program.c_str(), "r");
    ASSERT_NE(host_run, nullptr);
    char buffer[4096];
    for (size_t got; (got = fread(buffer, 1, sizeof buffer, host_run)) > 0;)
        expected.append(buffer, got);
    int host_status = pclose(host_run);
    ASSERT_EQ(host_status, 0) << "tree_walk fails on this Linux host:\n" << expected;
    ASSERT_EQ(expected.rfind(begin_marker, 0), 0u) << expected;
    ASSERT_EQ(expected.size() - expected.rfind(end_marker), end_marker.size()) << expected;

    auto run =
        e2e::run_kernel("musl-gcc-tree-walk", {"--firmware=bios", "--timeout=60", "--initrd=" + tree.string(),
                                               "--cmdline=init=/tree_walk"});
    fs::remove_all(tree);
    EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
    // The program's lines, between its markers; kernel log lines (which start "[  seconds][") that
    // land between two of them are not the program's. The serial log has no carriage returns left.
    size_t begin = run.serial.find(begin_marker);
    ASSERT_NE(begin, std::string::npos) << run.serial;
    size_t end = run.serial.find(end_marker, begin);
    std::string printed;
    for (const std::string& line : e2e::lines_of(run.serial.substr(
             begin, end == std::string::npos ? std::string::npos : end + end_marker.size() - begin)))
        if (!std::regex_search(line, std::regex("^\\[ *[0-9]+\\.[0-9]+\\]\\[")))
            printed += line + "\n";
    EXPECT_EQ(printed, expected);
    EXPECT_THAT(run.serial, HasSubstr("Process ending with code: 0"));
}

} // namespace

// Debian's busybox-static (glibc, unmodified) runs its file applets against the VFS, devfs and
// procfs and prints what Linux would: device numbers, the mount table.
TEST(Userland, DebiansStaticBusyboxListsDevicesAndMounts) {
    const fs::path busybox = "/bin/busybox";
    if (std::system(
            "dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'") != 0)
        GTEST_SKIP() << "busybox-static is not installed";
    char pattern[] = "/tmp/blog_os_e2e_busybox_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    fs::path tree = pattern;
    fs::create_directories(tree / "bin");
    fs::copy_file(busybox, tree / "bin/busybox");
    auto listing =
        e2e::run_kernel("busybox-ls", {"--firmware=bios", "--timeout=60", "--initrd=" + tree.string(),
                                       "--cmdline=init=/bin/busybox -- ls -ln /dev"});
    auto mounts =
        e2e::run_kernel("busybox-mount", {"--firmware=bios", "--timeout=60", "--initrd=" + tree.string(),
                                          "--cmdline=init=/bin/busybox -- mount"});
    fs::remove_all(tree);
    EXPECT_EQ(listing.exit_code, 0) << listing.runner_errors;
    // busybox prints "crw-rw-rw-    1 0        0           1,   3 <date> null".
    EXPECT_THAT(listing.serial, testing::ContainsRegex("crw-rw-rw- +1 0 +0 +1, +3 .* null\n"));
    EXPECT_THAT(listing.serial, testing::ContainsRegex("crw-rw-rw- +1 0 +0 +1, +9 .* urandom\n"));
    EXPECT_THAT(listing.serial, testing::ContainsRegex("crw------- +1 0 +0 +5, +1 .* console\n"));
    EXPECT_THAT(listing.serial,
                testing::ContainsRegex("lrwxrwxrwx +1 0 +0 +[0-9]+ .* fd -> /proc/self/fd\n"));
    EXPECT_EQ(mounts.exit_code, 0) << mounts.runner_errors;
    EXPECT_THAT(mounts.serial, HasSubstr("rootfs on / type tmpfs (rw"));
    EXPECT_THAT(mounts.serial, HasSubstr("devtmpfs on /dev type devtmpfs (rw"));
    EXPECT_THAT(mounts.serial, HasSubstr("proc on /proc type proc (rw,nosuid,nodev,noexec"));
    EXPECT_THAT(mounts.serial, HasSubstr("devpts on /dev/pts type devpts (rw,nosuid,noexec"));
}

// Hostile file-system calls (bin/fuzz: random calls, bad pointers, odd flags, chrooted, nothing
// blocking) are all answered: the kernel stays up and the program finishes, under two seeds.
TEST(Userland, ThirtyThousandRandomFileCallsLeaveTheKernelStanding) {
    for (const char* seed : {"1", "2"}) {
        auto run = e2e::run_kernel(std::string("fuzz-") + seed,
                                   {"--firmware=bios", "--timeout=120",
                                    std::string("--cmdline=init=/bin/fuzz -- ") + seed + " 30000"});
        EXPECT_EQ(run.exit_code, 0) << run.runner_errors;
        EXPECT_THAT(run.serial,
                    testing::ContainsRegex("fuzz: done, 30000 calls \\([0-9]+ succeeded, [0-9]+ failed\\)"));
        EXPECT_THAT(run.serial, testing::Not(HasSubstr("KERNEL PANIC")));
        EXPECT_THAT(run.serial, HasSubstr("the first process ended (code 0)"));
    }
}
