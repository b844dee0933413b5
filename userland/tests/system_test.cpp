// Process-wide facilities: getrandom, resource limits, the FS base (arch_prctl), /proc about itself.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <unistd.h>

namespace {

// From <asm/prctl.h>, which musl does not ship.
constexpr long kArchSetFs = 0x1002;
constexpr long kArchGetFs = 0x1003;

struct FsBaseResults {
    long get_original = 0;
    long set_new = 0;
    long get_new = 0;
    long set_noncanonical = 0;
    long get_after_noncanonical = 0;
    long get_into_bad_pointer = 0;
    long restore = 0;
    unsigned long original = 0;
    unsigned long read_back = 0;
    unsigned long after_noncanonical = 0;
};

// musl's TLS (errno included) lives at FS: between moving the base and restoring it only raw system
// calls run, and no stack protector may read its canary from %fs.
__attribute__((noinline, no_stack_protector)) FsBaseResults exercise_fs_base(unsigned long new_base) {
    FsBaseResults results;
    results.get_original = sys::raw_syscall(SYS_arch_prctl, kArchGetFs, sys::arg(&results.original));
    if (results.get_original != 0 || results.original == 0)
        return results;
    results.set_new = sys::raw_syscall(SYS_arch_prctl, kArchSetFs, static_cast<long>(new_base));
    results.get_new = sys::raw_syscall(SYS_arch_prctl, kArchGetFs, sys::arg(&results.read_back));
    results.set_noncanonical =
        sys::raw_syscall(SYS_arch_prctl, kArchSetFs, static_cast<long>(0x8000000000000000));
    results.get_after_noncanonical =
        sys::raw_syscall(SYS_arch_prctl, kArchGetFs, sys::arg(&results.after_noncanonical));
    results.get_into_bad_pointer = sys::raw_syscall(SYS_arch_prctl, kArchGetFs, 1);
    results.restore = sys::raw_syscall(SYS_arch_prctl, kArchSetFs, static_cast<long>(results.original));
    return results;
}

// The whole of a /proc file (they report no size: read until the end), NUL-terminated; -1 on error.
long read_whole(const char* path, char* buffer, size_t capacity) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t used = 0;
    for (;;) {
        long done = read(fd, buffer + used, capacity - 1 - used);
        if (done <= 0)
            break;
        used += static_cast<size_t>(done);
    }
    close(fd);
    buffer[used] = '\0';
    return static_cast<long>(used);
}

} // namespace

TEST(getrandom_fills_the_buffer_with_different_bytes_each_time) {
    unsigned char first[32] = {};
    unsigned char second[32] = {};
    EXPECT_EQ(getrandom(first, sizeof(first), 0), 32);
    EXPECT_EQ(getrandom(second, sizeof(second), 0), 32);
    EXPECT_NE(memcmp(first, second, sizeof(first)), 0);
    unsigned char zeros[32] = {};
    EXPECT_NE(memcmp(first, zeros, sizeof(first)), 0);
}

TEST(getrandom_with_grnd_nonblock_works) {
    unsigned char buffer[16] = {};
    EXPECT_EQ(getrandom(buffer, sizeof(buffer), GRND_NONBLOCK), 16);
}

TEST(getrandom_with_unknown_flags_fails_with_einval) {
    unsigned char buffer[16];
    EXPECT_ERRNO(getrandom(buffer, sizeof(buffer), 0x40), EINVAL);
}

TEST(getrandom_into_a_bad_pointer_fails_with_efault) {
    EXPECT_EQ(sys::raw_syscall(SYS_getrandom, 1, 16, 0), -EFAULT);
}

TEST(stack_limit_is_sane) {
    rlimit limit{};
    ASSERT_EQ(getrlimit(RLIMIT_STACK, &limit), 0);
    EXPECT_GE(limit.rlim_cur, 64u * 1024);
    EXPECT_TRUE(limit.rlim_max == RLIM_INFINITY || limit.rlim_cur <= limit.rlim_max);
    rlimit raw{};
    EXPECT_EQ(sys::raw_syscall(SYS_prlimit64, 0, RLIMIT_STACK, 0, sys::arg(&raw)), 0);
    EXPECT_EQ(raw.rlim_cur, limit.rlim_cur);
    EXPECT_EQ(raw.rlim_max, limit.rlim_max);
}

TEST(open_file_limit_allows_the_standard_streams) {
    rlimit limit{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
    EXPECT_GE(limit.rlim_cur, 3u);
}

TEST(resource_limit_of_an_unknown_resource_fails_with_einval) {
    rlimit limit{};
    EXPECT_ERRNO(getrlimit(1000, &limit), EINVAL);
    EXPECT_EQ(sys::raw_syscall(SYS_prlimit64, 0, 1000, 0, sys::arg(&limit)), -EINVAL);
}

TEST(arch_prctl_get_fs_returns_the_base_set_fs_installed) {
    alignas(64) static unsigned char other_tls_block[256];
    const auto new_base = reinterpret_cast<unsigned long>(&other_tls_block[64]);
    FsBaseResults results = exercise_fs_base(new_base);
    ASSERT_EQ(results.get_original, 0);
    ASSERT_NE(results.original, 0u);
    EXPECT_EQ(results.set_new, 0);
    EXPECT_EQ(results.get_new, 0);
    EXPECT_EQ(results.read_back, new_base);
    EXPECT_EQ(results.restore, 0);
    // Linux refuses a base outside the user half with EPERM and keeps the old one.
    EXPECT_EQ(results.set_noncanonical, -EPERM);
    EXPECT_EQ(results.get_after_noncanonical, 0);
    EXPECT_EQ(results.after_noncanonical, new_base);
    EXPECT_EQ(results.get_into_bad_pointer, -EFAULT);
}

TEST(arch_prctl_with_an_unknown_code_fails_with_einval) {
    unsigned long value = 0;
    EXPECT_EQ(sys::raw_syscall(SYS_arch_prctl, 0x9999, sys::arg(&value)), -EINVAL);
}

TEST(sysinfo_reports_memory_that_is_partly_free_and_this_process) {
    struct sysinfo info {};
    ASSERT_EQ(sysinfo(&info), 0);
    EXPECT_GT(info.mem_unit, 0u);
    EXPECT_GT(info.totalram, 0u);
    EXPECT_GT(info.freeram, 0u);
    EXPECT_LT(info.freeram, info.totalram); // at least this program is in memory
    EXPECT_GE(info.procs, 1u);
    EXPECT_GE(info.uptime, 0);
}

TEST(sysinfo_into_a_bad_pointer_fails_with_efault) {
    EXPECT_EQ(sys::raw_syscall(SYS_sysinfo, 1), -EFAULT);
}

TEST(proc_self_names_this_process) {
    char target[64] = {};
    ASSERT_GT(readlink("/proc/self", target, sizeof(target) - 1), 0);
    char expected[64];
    snprintf(expected, sizeof(expected), "%d", getpid());
    EXPECT_STREQ(target, expected);
    char exe[256] = {};
    ASSERT_GT(readlink("/proc/self/exe", exe, sizeof(exe) - 1), 0);
    EXPECT_TRUE(strstr(exe, "system_test") != nullptr);
}

TEST(proc_self_stat_has_52_fields_starting_with_pid_comm_and_running) {
    char text[2048];
    ASSERT_GT(read_whole("/proc/self/stat", text, sizeof(text)), 0);
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%d (system_test) R ", getpid());
    EXPECT_EQ(strncmp(text, prefix, strlen(prefix)), 0);
    int fields = 2; // pid and (comm), then one per space after the ')'
    for (const char* at = strrchr(text, ')'); *at; ++at)
        fields += *at == ' ';
    EXPECT_EQ(fields, 52);
}

TEST(proc_self_status_and_cmdline_describe_this_process) {
    char text[4096];
    ASSERT_GT(read_whole("/proc/self/status", text, sizeof(text)), 0);
    char line[64];
    snprintf(line, sizeof(line), "\nPid:\t%d\n", getpid());
    EXPECT_TRUE(strstr(text, line) != nullptr);
    EXPECT_EQ(strncmp(text, "Name:\tsystem_test\n", 18), 0);
    EXPECT_TRUE(strstr(text, "\nVmRSS:\t") != nullptr);
    long length = read_whole("/proc/self/cmdline", text, sizeof(text));
    ASSERT_GT(length, 0);
    EXPECT_TRUE(text[length - 1] == '\0');
    EXPECT_TRUE(strstr(text, "system_test") != nullptr); // argv[0]
    ASSERT_GT(read_whole("/proc/self/maps", text, sizeof(text)), 0);
    EXPECT_TRUE(strstr(text, " [stack]\n") != nullptr);
}

TEST(proc_meminfo_total_agrees_with_sysinfo) {
    struct sysinfo info {};
    ASSERT_EQ(sysinfo(&info), 0);
    char text[8192];
    ASSERT_GT(read_whole("/proc/meminfo", text, sizeof(text)), 0);
    unsigned long total_kib = 0;
    ASSERT_EQ(sscanf(text, "MemTotal: %lu kB", &total_kib), 1);
    EXPECT_EQ(total_kib, static_cast<unsigned long>(info.totalram) * info.mem_unit / 1024);
    double uptime = -1, idle = -1;
    ASSERT_GT(read_whole("/proc/uptime", text, sizeof(text)), 0);
    EXPECT_EQ(sscanf(text, "%lf %lf", &uptime, &idle), 2);
    EXPECT_GE(uptime, 0.0);
}

// prctl(PR_SET_NAME) renames the process as ps and /proc/self/comm show it (15 bytes at most).
TEST(prctl_set_name_renames_the_process_as_proc_shows_it) {
    char original[16] = {};
    ASSERT_EQ(prctl(PR_GET_NAME, original), 0);
    ASSERT_EQ(prctl(PR_SET_NAME, "a-new-name-that-is-long"), 0);
    char name[16] = {};
    ASSERT_EQ(prctl(PR_GET_NAME, name), 0);
    EXPECT_STREQ(name, "a-new-name-that");
    char comm[32] = {};
    int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_GT(read(fd, comm, sizeof comm - 1), 0);
    close(fd);
    EXPECT_STREQ(comm, "a-new-name-that\n");
    EXPECT_ERRNO(prctl(12345, 0, 0, 0, 0), EINVAL);
    EXPECT_EQ(prctl(PR_SET_NAME, original), 0);
}

// reboot(2)'s checks, in Linux's order: privilege (EPERM) before the magic numbers and the command
// (EINVAL). Only calls that cannot succeed anywhere: on a Linux host this must never reboot it, and
// in a container a valid restart would end the container's init. Valid commands run on blog_os only.
namespace {

constexpr long kRebootMagic1 = 0xfee1dead;
constexpr long kRebootMagic2 = 0x28121969;
constexpr long kNoSuchRebootCommand = 0x12345678;

long raw_reboot(long magic1, long magic2, long command, long argument = 0) {
    long result = sys::raw_syscall(SYS_reboot, magic1, magic2, command, argument);
    if (result < 0) {
        errno = static_cast<int>(-result);
        return -1;
    }
    return result;
}

// CAP_SYS_BOOT (bit 22 of CapEff): a container's root usually lacks it. blog_os has no capabilities
// line, and its root has every privilege.
bool may_reboot() {
    if (geteuid() != 0)
        return false;
    char text[4096];
    if (read_whole("/proc/self/status", text, sizeof text) < 0)
        return true;
    const char* line = strstr(text, "CapEff:");
    unsigned long long capabilities = 0;
    return !line || (sscanf(line, "CapEff: %llx", &capabilities) == 1 && (capabilities >> 22) & 1);
}

} // namespace

TEST(reboot_with_a_bad_magic_or_command_fails_with_einval_for_root_and_eperm_for_others) {
    int expected = may_reboot() ? EINVAL : EPERM;
    EXPECT_ERRNO(raw_reboot(0x12345678, kRebootMagic2, kNoSuchRebootCommand), expected);
    EXPECT_ERRNO(raw_reboot(kRebootMagic1, 0x12345678, kNoSuchRebootCommand), expected);
    EXPECT_ERRNO(raw_reboot(kRebootMagic1, kRebootMagic2, kNoSuchRebootCommand), expected);
}

CHILD_SCENARIO(reboot_as_nobody) {
    if (setgid(65534) != 0 || setuid(65534) != 0 || geteuid() != 65534)
        return 2;
    // Linux checks the privilege first, so a bad magic and a bad command are EPERM too.
    errno = 0;
    if (raw_reboot(0x12345678, 0, 0) != -1 || errno != EPERM)
        return 3;
    if (raw_reboot(kRebootMagic1, kRebootMagic2, kNoSuchRebootCommand) != -1 || errno != EPERM)
        return 4;
    return 0;
}

TEST(reboot_by_an_unprivileged_user_fails_with_eperm) {
    if (geteuid() != 0)
        return; // the test itself runs unprivileged: the first test covered it
    EXPECT_EXITED(test::run_child("reboot_as_nobody"), 0);
}

TEST(reboot_ctrl_alt_del_settings_and_restart2_with_a_bad_string_on_blog_os) {
    if (sys::detect_system() != sys::System::BlogOs)
        return; // valid commands act on a Linux host: never here
    constexpr long kCadOff = 0, kCadOn = 0x89abcdef, kRestart2 = 0xa1b2c3d4;
    EXPECT_EQ(raw_reboot(kRebootMagic1, kRebootMagic2, kCadOff), 0);
    EXPECT_EQ(raw_reboot(kRebootMagic1, 0x05121996, kCadOn), 0); // any of the four second magics
    // The command string is read before anything stops: a bad pointer is EFAULT.
    EXPECT_ERRNO(raw_reboot(kRebootMagic1, kRebootMagic2, kRestart2, 1), EFAULT);
}
