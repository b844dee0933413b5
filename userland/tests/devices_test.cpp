// The special file systems: devfs's character devices and symlinks, procfs's per-process and
// system files in Linux's formats, and readiness (poll, ppoll, select, pselect6) of pipes and files.
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

namespace {

int remove_entry(const char* path, const struct stat*, int, FTW*) {
    return remove(path);
}

// A fresh directory under /tmp for one test, removed with everything in it when the test ends.
class Scratch {
public:
    Scratch() {
        snprintf(dir_, sizeof(dir_), "/tmp/devices_test.XXXXXX");
        if (mkdtemp(dir_) == nullptr)
            dir_[0] = '\0';
        snprintf(path_, sizeof(path_), "%s/file", dir_);
    }
    ~Scratch() {
        if (dir_[0] != '\0')
            nftw(dir_, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    [[nodiscard]] bool ok() const { return dir_[0] != '\0'; }
    [[nodiscard]] const char* dir() const { return dir_; }
    // The one file a test here needs: dir/file.
    [[nodiscard]] const char* file() const { return path_; }

private:
    char dir_[64];
    char path_[80];
};

class CwdGuard {
public:
    CwdGuard() : fd_(open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}
    ~CwdGuard() {
        if (fchdir(fd_) != 0)
            perror("fchdir back");
        close(fd_);
    }
    CwdGuard(const CwdGuard&) = delete;
    CwdGuard& operator=(const CwdGuard&) = delete;

private:
    int fd_;
};

// A whole (small) file, NUL-terminated; procfs files report size 0, so read until the end.
struct Text {
    char data[65536];
    size_t size = 0;
    bool ok = false;
};

const Text& read_all(const char* path) {
    static Text text;
    text.size = 0;
    text.ok = false;
    text.data[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return text;
    for (;;) {
        ssize_t got = read(fd, text.data + text.size, sizeof(text.data) - 1 - text.size);
        if (got < 0) {
            close(fd);
            return text;
        }
        if (got == 0)
            break;
        text.size += static_cast<size_t>(got);
    }
    close(fd);
    text.data[text.size] = '\0';
    text.ok = true;
    return text;
}

// The line of `text` that starts with `prefix`, copied out (without its newline), or "".
const char* line_starting(const char* text, const char* prefix) {
    static char line[512];
    line[0] = '\0';
    size_t prefix_length = strlen(prefix);
    for (const char* at = text; *at != '\0';) {
        const char* end = strchr(at, '\n');
        size_t length = end != nullptr ? static_cast<size_t>(end - at) : strlen(at);
        if (length >= prefix_length && memcmp(at, prefix, prefix_length) == 0) {
            snprintf(line, sizeof(line), "%.*s", static_cast<int>(length), at);
            return line;
        }
        if (end == nullptr)
            break;
        at = end + 1;
    }
    return line;
}

const char* link_target(const char* path) {
    static char target[PATH_MAX];
    ssize_t length = readlink(path, target, sizeof(target) - 1);
    target[length < 0 ? 0 : length] = '\0';
    return target;
}

struct stat stat_of(const char* path) {
    struct stat status {};
    if (stat(path, &status) != 0)
        status.st_mode = 0;
    return status;
}

long long monotonic_ms() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

bool all_zero(const unsigned char* data, size_t size) {
    for (size_t i = 0; i < size; ++i)
        if (data[i] != 0)
            return false;
    return true;
}

bool on_linux() {
    return sys::detect_system() == sys::System::Linux;
}

struct Pipe {
    int read_end = -1;
    int write_end = -1;
    Pipe() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) == 0) {
            read_end = fds[0];
            write_end = fds[1];
        }
    }
    ~Pipe() {
        close(read_end);
        close(write_end);
    }
    [[nodiscard]] bool ok() const { return read_end >= 0; }
};

} // namespace

TEST(dev_null_reads_end_of_file_and_swallows_writes) {
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char buffer[16];
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 0);
    EXPECT_EQ(write(fd, "into the void", 13), 13);
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 0);
    EXPECT_EQ(lseek(fd, 100, SEEK_SET), 0); // seeking /dev/null always lands at 0
    close(fd);
}

TEST(dev_zero_reads_zeros_and_swallows_writes) {
    int fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    unsigned char buffer[5000];
    memset(buffer, 0xa5, sizeof(buffer));
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 5000);
    EXPECT_TRUE(all_zero(buffer, sizeof(buffer)));
    EXPECT_EQ(write(fd, "x", 1), 1);
    close(fd);
}

TEST(dev_full_refuses_writes_with_enospc_and_reads_zeros) {
    int fd = open("/dev/full", O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_ERRNO(write(fd, "x", 1), ENOSPC);
    unsigned char buffer[64];
    memset(buffer, 0xa5, sizeof(buffer));
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 64);
    EXPECT_TRUE(all_zero(buffer, sizeof(buffer)));
    close(fd);
}

TEST(dev_random_and_dev_urandom_read_different_bytes_each_time) {
    for (const char* path : {"/dev/random", "/dev/urandom"}) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        unsigned char first[32] = {}, second[32] = {};
        EXPECT_EQ(read(fd, first, sizeof(first)), 32);
        EXPECT_EQ(read(fd, second, sizeof(second)), 32);
        EXPECT_NE(memcmp(first, second, sizeof(first)), 0);
        EXPECT_FALSE(all_zero(first, sizeof(first)));
        close(fd);
    }
}

TEST(device_nodes_are_character_devices_with_linux_numbers) {
    struct Device {
        const char* path;
        unsigned major_number, minor_number;
    } devices[] = {{"/dev/null", 1, 3},    {"/dev/zero", 1, 5},    {"/dev/full", 1, 7}, {"/dev/random", 1, 8},
                   {"/dev/urandom", 1, 9}, {"/dev/console", 5, 1}, {"/dev/tty", 5, 0}};
    for (const Device& device : devices) {
        struct stat status {};
        if (!EXPECT_EQ(stat(device.path, &status), 0))
            continue;
        EXPECT_TRUE(S_ISCHR(status.st_mode));
        EXPECT_EQ(major(status.st_rdev), device.major_number);
        EXPECT_EQ(minor(status.st_rdev), device.minor_number);
    }
    EXPECT_EQ(stat_of("/dev/null").st_mode & 0777, 0666u);
    EXPECT_TRUE(S_ISDIR(stat_of("/dev").st_mode));
}

// The serial ports: COM1 is the console terminal, COM2 is a second device (blog_os only: a
// container's /dev on the host has neither).
TEST(serial_port_nodes_have_linux_numbers) {
    if (sys::detect_system() != sys::System::BlogOs)
        return;
    struct stat status {};
    ASSERT_EQ(stat("/dev/ttyS0", &status), 0);
    EXPECT_TRUE(S_ISCHR(status.st_mode));
    EXPECT_EQ(major(status.st_rdev), 4u);
    EXPECT_EQ(minor(status.st_rdev), 64u);
    ASSERT_EQ(stat("/dev/ttyS1", &status), 0);
    EXPECT_EQ(major(status.st_rdev), 4u);
    EXPECT_EQ(minor(status.st_rdev), 65u);
    int fd = open("/dev/ttyS1", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(write(fd, "devices_test on ttyS1\n", 22), 22);
    close(fd);
}

// /dev/kmsg: each read is one record "priority,sequence,microseconds,flags;text", and a write
// becomes a record of its own.
TEST(dev_kmsg_reads_records_and_a_write_adds_one) {
    int fd = open("/dev/kmsg", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(lseek(fd, 0, SEEK_END), 0); // from the next record on
    const char message[] = "<6>devices_test: kmsg write";
    EXPECT_EQ(write(fd, message, strlen(message)), static_cast<ssize_t>(strlen(message)));
    char record[1024];
    bool found = false;
    unsigned long long previous = 0;
    bool first = true;
    for (int i = 0; i < 64 && !found; ++i) {
        ssize_t got = read(fd, record, sizeof record - 1);
        if (got <= 0)
            break;
        record[got] = 0;
        unsigned priority = 0;
        unsigned long long sequence = 0, microseconds = 0;
        int consumed = 0;
        ASSERT_EQ(sscanf(record, "%u,%llu,%llu,%*[^;];%n", &priority, &sequence, &microseconds, &consumed),
                  3);
        EXPECT_TRUE(consumed > 0 && record[got - 1] == '\n');
        EXPECT_TRUE(first || sequence > previous); // numbered in order
        first = false;
        previous = sequence;
        found = strstr(record + consumed, "devices_test: kmsg write") != nullptr;
    }
    // Linux rate-limits writes to /dev/kmsg across the whole system (printk_devkmsg=ratelimit), so
    // there the record may have been dropped when other tests wrote too; blog_os keeps every one.
    if (sys::detect_system() == sys::System::BlogOs)
        EXPECT_TRUE(found);
    // A buffer too small for the next record is EINVAL, not a cut record. (From the oldest record:
    // Linux rate-limits writes to /dev/kmsg, so a second write of ours might not be there.)
    ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
    EXPECT_ERRNO(read(fd, record, 4), EINVAL);
    close(fd);
}

TEST(dev_fd_and_the_standard_stream_links_point_into_proc_self_fd) {
    EXPECT_STREQ(link_target("/dev/fd"), "/proc/self/fd");
    EXPECT_STREQ(link_target("/dev/stdin"), "/proc/self/fd/0");
    EXPECT_STREQ(link_target("/dev/stdout"), "/proc/self/fd/1");
    EXPECT_STREQ(link_target("/dev/stderr"), "/proc/self/fd/2");
    // Through them, a descriptor opens again.
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    char path[32];
    snprintf(path, sizeof(path), "/dev/fd/%d", fds[1]);
    int again = open(path, O_WRONLY | O_CLOEXEC);
    ASSERT_GE(again, 0);
    EXPECT_EQ(write(again, "hi", 2), 2);
    char buffer[4] = {};
    EXPECT_EQ(read(fds[0], buffer, sizeof(buffer)), 2);
    EXPECT_STREQ(buffer, "hi");
    close(again);
    close(fds[0]);
    close(fds[1]);
}

TEST(proc_self_fd_links_name_what_each_descriptor_opened) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    char path[32];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    EXPECT_STREQ(link_target(path), scratch.file());
    struct stat through_link = stat_of(path), direct = stat_of(scratch.file());
    EXPECT_EQ(through_link.st_ino, direct.st_ino);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", null);
    EXPECT_STREQ(link_target(path), "/dev/null");
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    snprintf(path, sizeof(path), "/proc/self/fd/%d", pipe.read_end);
    struct stat pipe_status {};
    ASSERT_EQ(fstat(pipe.read_end, &pipe_status), 0);
    char expected[48];
    snprintf(expected, sizeof(expected), "pipe:[%llu]", static_cast<unsigned long long>(pipe_status.st_ino));
    EXPECT_STREQ(link_target(path), expected);
    // A deleted file keeps its name with a suffix.
    ASSERT_EQ(unlink(scratch.file()), 0);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    snprintf(expected, sizeof(expected), "%s (deleted)", scratch.file());
    EXPECT_STREQ(link_target(path), expected);
    EXPECT_ERRNO(readlink("/proc/self/fd/999", expected, sizeof(expected)), ENOENT);
    close(null);
    close(fd);
}

TEST(proc_self_exe_links_to_this_program) {
    const char* exe = link_target("/proc/self/exe");
    EXPECT_EQ(exe[0], '/');
    struct stat through_link = stat_of("/proc/self/exe"), program = stat_of(test::self_path());
    EXPECT_EQ(through_link.st_ino, program.st_ino);
    EXPECT_EQ(through_link.st_dev, program.st_dev);
    const char* base = strrchr(exe, '/');
    EXPECT_STREQ(base, "/devices_test");
}

TEST(proc_self_cwd_follows_chdir) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    CwdGuard guard;
    ASSERT_EQ(chdir(scratch.dir()), 0);
    char cwd[PATH_MAX] = {};
    ASSERT_TRUE(getcwd(cwd, sizeof(cwd)) != nullptr);
    EXPECT_STREQ(link_target("/proc/self/cwd"), cwd);
    ASSERT_EQ(chdir("/"), 0);
    EXPECT_STREQ(link_target("/proc/self/cwd"), "/");
    EXPECT_EQ(stat_of("/proc/self/cwd/").st_ino, stat_of("/").st_ino);
}

TEST(proc_self_stat_starts_with_pid_comm_state_and_ppid) {
    const Text& text = read_all("/proc/self/stat");
    ASSERT_TRUE(text.ok);
    int pid = 0, ppid = 0;
    char comm[32] = {}, state = 0;
    ASSERT_EQ(sscanf(text.data, "%d (%31[^)]) %c %d", &pid, comm, &state, &ppid), 4);
    EXPECT_EQ(pid, getpid());
    EXPECT_STREQ(comm, "devices_test");
    EXPECT_EQ(state, 'R'); // it is running: it is reading the file
    EXPECT_EQ(ppid, getppid());
    EXPECT_EQ(text.data[text.size - 1], '\n');
}

TEST(proc_self_status_has_name_pid_ppid_and_uid_lines) {
    const Text& text = read_all("/proc/self/status");
    ASSERT_TRUE(text.ok);
    EXPECT_STREQ(line_starting(text.data, "Name:"), "Name:\tdevices_test");
    char expected[64];
    snprintf(expected, sizeof(expected), "Pid:\t%d", getpid());
    EXPECT_STREQ(line_starting(text.data, "Pid:"), expected);
    snprintf(expected, sizeof(expected), "PPid:\t%d", getppid());
    EXPECT_STREQ(line_starting(text.data, "PPid:"), expected);
    // Real, effective, saved and file-system ids.
    snprintf(expected, sizeof(expected), "Uid:\t%u\t%u\t%u\t%u", getuid(), geteuid(), geteuid(), geteuid());
    EXPECT_STREQ(line_starting(text.data, "Uid:"), expected);
    snprintf(expected, sizeof(expected), "Gid:\t%u\t%u\t%u\t%u", getgid(), getegid(), getegid(), getegid());
    EXPECT_STREQ(line_starting(text.data, "Gid:"), expected);
}

// Exits 0 when /proc/self/cmdline is exactly this process's argv, each argument NUL-terminated.
CHILD_SCENARIO(cmdline_is_argv) {
    char expected[512];
    size_t size = 0;
    auto add = [&](const char* argument) {
        size_t length = strlen(argument) + 1;
        if (size + length <= sizeof(expected)) {
            memcpy(expected + size, argument, length);
            size += length;
        }
    };
    add(test::self_path());
    add("--child");
    add("cmdline_is_argv");
    for (int i = 0; i < argc; ++i)
        add(argv[i]);
    const Text& text = read_all("/proc/self/cmdline");
    if (!text.ok)
        return 1;
    if (text.size != size)
        return 2;
    return memcmp(text.data, expected, size) == 0 ? 0 : 3;
}

TEST(proc_self_cmdline_is_argv_separated_by_nuls) {
    EXPECT_EXITED(test::run_child("cmdline_is_argv", {"one", "two words", "", "last"}), 0);
}

TEST(proc_meminfo_reports_total_free_and_available_memory_in_kb) {
    const Text& text = read_all("/proc/meminfo");
    ASSERT_TRUE(text.ok);
    unsigned long total = 0, free = 0, available = 0;
    char unit[8] = {};
    EXPECT_EQ(sscanf(line_starting(text.data, "MemTotal:"), "MemTotal: %lu %7s", &total, unit), 2);
    EXPECT_STREQ(unit, "kB");
    EXPECT_EQ(sscanf(line_starting(text.data, "MemFree:"), "MemFree: %lu %7s", &free, unit), 2);
    EXPECT_STREQ(unit, "kB");
    EXPECT_EQ(sscanf(line_starting(text.data, "MemAvailable:"), "MemAvailable: %lu %7s", &available, unit),
              2);
    EXPECT_STREQ(unit, "kB");
    EXPECT_GT(total, 1024u); // more than a megabyte
    EXPECT_GT(free, 0u);
    EXPECT_LT(free, total);
    EXPECT_LE(available, total);
    EXPECT_EQ(strncmp(text.data, "MemTotal:", 9), 0); // the first line
}

TEST(proc_uptime_holds_two_numbers_and_agrees_with_the_boot_clock) {
    const Text& text = read_all("/proc/uptime");
    ASSERT_TRUE(text.ok);
    double uptime = -1, idle = -1;
    char newline = 0;
    ASSERT_EQ(sscanf(text.data, "%lf %lf%c", &uptime, &idle, &newline), 3);
    EXPECT_EQ(newline, '\n');
    EXPECT_GT(uptime, 0.0);
    EXPECT_GE(idle, 0.0);
    timespec boot{};
    ASSERT_EQ(clock_gettime(CLOCK_BOOTTIME, &boot), 0);
    double boot_seconds = static_cast<double>(boot.tv_sec) + boot.tv_nsec / 1e9;
    EXPECT_LE(uptime, boot_seconds + 0.01);
    EXPECT_GT(uptime, boot_seconds - 2);
}

TEST(proc_loadavg_has_three_averages_runnable_over_total_and_the_last_pid) {
    const Text& text = read_all("/proc/loadavg");
    ASSERT_TRUE(text.ok);
    double one = -1, five = -1, fifteen = -1;
    int running = 0, total = 0, last_pid = 0;
    ASSERT_EQ(sscanf(text.data, "%lf %lf %lf %d/%d %d", &one, &five, &fifteen, &running, &total, &last_pid),
              6);
    EXPECT_GE(one, 0.0);
    EXPECT_GE(five, 0.0);
    EXPECT_GE(fifteen, 0.0);
    EXPECT_GE(running, 1); // this process
    EXPECT_GE(total, running);
    EXPECT_GT(last_pid, 0);
    EXPECT_EQ(text.data[text.size - 1], '\n');
}

TEST(proc_mounts_lists_the_root_and_proc) {
    const Text& text = read_all("/proc/mounts");
    ASSERT_TRUE(text.ok);
    bool root = false, proc = false;
    int lines = 0;
    for (const char* at = text.data; *at != '\0';) {
        char device[256], point[256], type[64], options[256];
        int dump = -1, pass = -1;
        int fields = sscanf(at, "%255s %255s %63s %255s %d %d", device, point, type, options, &dump, &pass);
        EXPECT_EQ(fields, 6);
        ++lines;
        root = root || strcmp(point, "/") == 0;
        proc = proc || (strcmp(point, "/proc") == 0 && strcmp(type, "proc") == 0);
        const char* end = strchr(at, '\n');
        if (end == nullptr)
            break;
        at = end + 1;
    }
    EXPECT_GE(lines, 2);
    EXPECT_TRUE(root);
    EXPECT_TRUE(proc);
    EXPECT_EQ(strcmp(link_target("/proc/mounts"), "self/mounts"), 0); // Linux: a symlink
}

TEST(proc_filesystems_lists_tmpfs_and_proc) {
    const Text& text = read_all("/proc/filesystems");
    ASSERT_TRUE(text.ok);
    EXPECT_STREQ(line_starting(text.data, "nodev\ttmpfs"), "nodev\ttmpfs");
    EXPECT_STREQ(line_starting(text.data, "nodev\tproc"), "nodev\tproc");
}

TEST(proc_version_and_proc_sys_kernel_agree_with_uname) {
    utsname name{};
    ASSERT_EQ(uname(&name), 0);
    const Text& version = read_all("/proc/version");
    ASSERT_TRUE(version.ok);
    EXPECT_GT(version.size, 1u);
    if (on_linux()) {
        char expected[128];
        snprintf(expected, sizeof(expected), "Linux version %s ", name.release);
        EXPECT_EQ(strncmp(version.data, expected, strlen(expected)), 0);
    }
    char expected[80];
    snprintf(expected, sizeof(expected), "%s\n", name.sysname);
    EXPECT_STREQ(read_all("/proc/sys/kernel/ostype").data, expected);
    snprintf(expected, sizeof(expected), "%s\n", name.release);
    EXPECT_STREQ(read_all("/proc/sys/kernel/osrelease").data, expected);
    snprintf(expected, sizeof(expected), "%s\n", name.nodename);
    EXPECT_STREQ(read_all("/proc/sys/kernel/hostname").data, expected);
    const Text& pid_max = read_all("/proc/sys/kernel/pid_max");
    ASSERT_TRUE(pid_max.ok);
    char* end = nullptr;
    long value = strtol(pid_max.data, &end, 10);
    EXPECT_STREQ(end, "\n");
    EXPECT_GE(value, 301); // Linux's smallest allowed pid_max
    EXPECT_GT(value, static_cast<long>(getpid()));
}

TEST(proc_cpuinfo_describes_at_least_one_processor) {
    const Text& text = read_all("/proc/cpuinfo");
    ASSERT_TRUE(text.ok);
    const char* first = line_starting(text.data, "processor");
    EXPECT_EQ(strncmp(first, "processor\t: 0", 13), 0);
    const char* model = line_starting(text.data, "model name");
    EXPECT_EQ(strncmp(model, "model name\t: ", 13), 0);
    EXPECT_GT(strlen(model), 13u);
    EXPECT_EQ(strncmp(line_starting(text.data, "flags"), "flags\t\t: ", 9), 0);
}

TEST(proc_self_maps_lists_each_mapping_in_linux_format) {
    constexpr size_t kSize = 3 * 4096;
    void* region = mmap(nullptr, kSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(region, MAP_FAILED);
    const auto region_start = reinterpret_cast<unsigned long>(region);
    int local = 0;
    const auto stack_address = reinterpret_cast<unsigned long>(&local);
    const Text& text = read_all("/proc/self/maps");
    ASSERT_TRUE(text.ok);
    bool stack = false, found_region = false, program_text = false;
    int bad_lines = 0;
    for (const char* at = text.data; *at != '\0';) {
        unsigned long start = 0, end = 0, offset = 0, inode = 0;
        unsigned device_major = 0, device_minor = 0;
        char permissions[8] = {}, path[PATH_MAX] = {};
        int consumed = 0;
        int fields = sscanf(at, "%lx-%lx %7s %lx %x:%x %lu%n", &start, &end, permissions, &offset,
                            &device_major, &device_minor, &inode, &consumed);
        const char* line_end = strchr(at, '\n');
        if (fields == 7 && line_end != nullptr) {
            const char* rest = at + consumed;
            while (*rest == ' ')
                ++rest;
            snprintf(path, sizeof(path), "%.*s", static_cast<int>(line_end - rest), rest);
        }
        bool well_formed = fields == 7 && start < end && start % 4096 == 0 && end % 4096 == 0 &&
                           strlen(permissions) == 4 && (permissions[0] == 'r' || permissions[0] == '-') &&
                           (permissions[1] == 'w' || permissions[1] == '-') &&
                           (permissions[2] == 'x' || permissions[2] == '-') &&
                           (permissions[3] == 'p' || permissions[3] == 's');
        bad_lines += !well_formed;
        if (strcmp(path, "[stack]") == 0 && start <= stack_address && stack_address < end)
            stack = true;
        if (start == region_start && end == region_start + kSize && strcmp(permissions, "r--p") == 0 &&
            path[0] == '\0' && inode == 0)
            found_region = true;
        const char* base = strrchr(path, '/');
        if (base != nullptr && strcmp(base, "/devices_test") == 0 && permissions[2] == 'x' && inode != 0)
            program_text = true;
        if (line_end == nullptr)
            break;
        at = line_end + 1;
    }
    EXPECT_EQ(bad_lines, 0);
    EXPECT_TRUE(stack);
    EXPECT_TRUE(found_region);
    EXPECT_TRUE(program_text);
    munmap(region, kSize);
}

TEST(poll_reports_pipe_readiness_and_times_out) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    pollfd fds[2] = {{pipe.read_end, POLLIN, 0}, {pipe.write_end, POLLOUT, 0}};
    EXPECT_EQ(poll(fds, 2, 0), 1);
    EXPECT_EQ(fds[0].revents, 0);
    EXPECT_EQ(fds[1].revents, POLLOUT);
    long long before = monotonic_ms();
    EXPECT_EQ(poll(fds, 1, 50), 0);
    EXPECT_GE(monotonic_ms() - before, 50);
    ASSERT_EQ(write(pipe.write_end, "x", 1), 1);
    EXPECT_EQ(poll(fds, 2, -1), 2);
    EXPECT_EQ(fds[0].revents, POLLIN);
    close(pipe.write_end);
    pipe.write_end = -1;
    EXPECT_EQ(poll(fds, 1, 0), 1);
    EXPECT_EQ(fds[0].revents, POLLIN | POLLHUP); // data left, and no writer
    char c;
    ASSERT_EQ(read(pipe.read_end, &c, 1), 1);
    EXPECT_EQ(poll(fds, 1, 0), 1);
    EXPECT_EQ(fds[0].revents, POLLHUP);
    pollfd odd[2] = {{-1, POLLIN, 0}, {999, POLLIN, 0}}; // negative fds are skipped, bad ones flagged
    EXPECT_EQ(poll(odd, 2, 0), 1);
    EXPECT_EQ(odd[0].revents, 0);
    EXPECT_EQ(odd[1].revents, POLLNVAL);
}

TEST(regular_files_are_always_ready_for_poll_and_select) {
    Scratch scratch;
    ASSERT_TRUE(scratch.ok());
    int fd = open(scratch.file(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    pollfd entry{fd, POLLIN | POLLOUT, 0};
    EXPECT_EQ(poll(&entry, 1, 1000), 1);
    EXPECT_EQ(entry.revents, POLLIN | POLLOUT);
    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_SET(fd, &readable);
    FD_SET(fd, &writable);
    timeval timeout{1, 0};
    EXPECT_EQ(select(fd + 1, &readable, &writable, nullptr, &timeout), 2);
    EXPECT_TRUE(FD_ISSET(fd, &readable));
    EXPECT_TRUE(FD_ISSET(fd, &writable));
    close(fd);
}

TEST(ppoll_waits_for_its_timespec_and_restores_the_signal_mask) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    pollfd entry{pipe.read_end, POLLIN, 0};
    timespec zero{0, 0};
    EXPECT_EQ(ppoll(&entry, 1, &zero, nullptr), 0);
    timespec wait{0, 50 * 1000 * 1000};
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    long long before = monotonic_ms();
    EXPECT_EQ(ppoll(&entry, 1, &wait, &mask), 0);
    EXPECT_GE(monotonic_ms() - before, 50);
    sigset_t now;
    ASSERT_EQ(sigprocmask(SIG_BLOCK, nullptr, &now), 0);
    EXPECT_FALSE(sigismember(&now, SIGUSR1));
    ASSERT_EQ(write(pipe.write_end, "x", 1), 1);
    EXPECT_EQ(ppoll(&entry, 1, nullptr, nullptr), 1);
    EXPECT_EQ(entry.revents, POLLIN);
    timespec negative{-1, 0};
    EXPECT_ERRNO(ppoll(&entry, 1, &negative, nullptr), EINVAL);
}

TEST(select_reports_pipe_readiness_and_counts_down_its_timeout) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_SET(pipe.read_end, &readable);
    timeval timeout{0, 50 * 1000};
    long long before = monotonic_ms();
    EXPECT_EQ(select(pipe.read_end + 1, &readable, nullptr, nullptr, &timeout), 0);
    EXPECT_GE(monotonic_ms() - before, 50);
    EXPECT_FALSE(FD_ISSET(pipe.read_end, &readable));
    // The kernel writes the time left back into the timeval (none after a timeout); musl's select()
    // hands it a copy, so check the system call itself.
    EXPECT_EQ(timeout.tv_usec, 50 * 1000);
    FD_SET(pipe.read_end, &readable);
    timeval raw_timeout{0, 20 * 1000};
    EXPECT_EQ(
        sys::raw_syscall(SYS_select, pipe.read_end + 1, sys::arg(&readable), 0, 0, sys::arg(&raw_timeout)),
        0);
    EXPECT_EQ(raw_timeout.tv_sec, 0);
    EXPECT_EQ(raw_timeout.tv_usec, 0);
    ASSERT_EQ(write(pipe.write_end, "x", 1), 1);
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_SET(pipe.read_end, &readable);
    FD_SET(pipe.read_end, &writable);
    FD_SET(pipe.write_end, &readable);
    FD_SET(pipe.write_end, &writable);
    timeout = {5, 0};
    int maximum = pipe.read_end > pipe.write_end ? pipe.read_end : pipe.write_end;
    EXPECT_EQ(select(maximum + 1, &readable, &writable, nullptr, &timeout), 2);
    EXPECT_TRUE(FD_ISSET(pipe.read_end, &readable));
    EXPECT_FALSE(FD_ISSET(pipe.read_end, &writable));
    EXPECT_FALSE(FD_ISSET(pipe.write_end, &readable));
    EXPECT_TRUE(FD_ISSET(pipe.write_end, &writable));
    FD_ZERO(&readable);
    FD_SET(pipe.read_end, &readable);
    raw_timeout = {5, 0};
    EXPECT_EQ(
        sys::raw_syscall(SYS_select, pipe.read_end + 1, sys::arg(&readable), 0, 0, sys::arg(&raw_timeout)),
        1);
    EXPECT_EQ(raw_timeout.tv_sec, 4); // most of the five seconds is left
    // A closed fd inside the table fails with EBADF. (Linux silently ignores bits beyond the end of
    // the fd table, so a large unused number like 999 would just never become ready.)
    int closed = dup(pipe.read_end);
    ASSERT_GE(closed, 0);
    close(closed);
    FD_ZERO(&readable);
    FD_SET(closed, &readable);
    timeout = {1, 0};
    EXPECT_ERRNO(select(closed + 1, &readable, nullptr, nullptr, &timeout), EBADF);
    EXPECT_ERRNO(select(-1, nullptr, nullptr, nullptr, nullptr), EINVAL);
}

TEST(pselect_waits_for_its_timespec_without_changing_it) {
    Pipe pipe;
    ASSERT_TRUE(pipe.ok());
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(pipe.read_end, &readable);
    timespec timeout{0, 50 * 1000 * 1000};
    sigset_t mask;
    sigemptyset(&mask);
    long long before = monotonic_ms();
    EXPECT_EQ(pselect(pipe.read_end + 1, &readable, nullptr, nullptr, &timeout, &mask), 0);
    EXPECT_GE(monotonic_ms() - before, 50);
    // The pselect6 system call updates its timespec like select; musl's pselect() hands the kernel
    // a copy, so the caller's is left as POSIX requires.
    EXPECT_EQ(timeout.tv_nsec, 50 * 1000 * 1000);
    ASSERT_EQ(write(pipe.write_end, "x", 1), 1);
    FD_ZERO(&readable);
    FD_SET(pipe.read_end, &readable);
    EXPECT_EQ(pselect(pipe.read_end + 1, &readable, nullptr, nullptr, nullptr, nullptr), 1);
    EXPECT_TRUE(FD_ISSET(pipe.read_end, &readable));
    timespec raw_timeout{2, 0};
    FD_ZERO(&readable);
    FD_SET(pipe.read_end, &readable);
    EXPECT_EQ(sys::raw_syscall(SYS_pselect6, pipe.read_end + 1, sys::arg(&readable), 0, 0,
                               sys::arg(&raw_timeout), 0),
              1);
    EXPECT_EQ(raw_timeout.tv_sec, 1); // the kernel wrote back what was left of the 2 seconds
}
