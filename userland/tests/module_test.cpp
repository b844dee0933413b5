// Loadable modules as a user sees them (docs/drivers.md): insmod, lsmod, modinfo and rmmod with their
// outputs, /proc/modules' format, a failing init cleaned up, hostile modules refused with the kernel's
// reason shown, a module pinned by an open device, and 1,000 load/unload rounds, each printing its
// hello and goodbye, leaving free memory where it was. The module calls' argument checks run on Linux too;
// loading our .ko files is for blog_os only (Linux cannot load them, and a test must never load modules into
// the host).
#include "sys/raw_syscall.h"
#include "test/test.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

constexpr const char* kHello = "/lib/modules/hello.ko";
constexpr const char* kTests = "/lib/modules/tests";

bool on_blog_os() {
    utsname name{};
    return uname(&name) == 0 && strcmp(name.sysname, "blog_os") == 0;
}

long checked(long result) {
    if (result < 0) {
        errno = static_cast<int>(-result);
        return -1;
    }
    return result;
}

long init_module(const void* image, unsigned long length, const char* parameters) {
    return checked(sys::raw_syscall(SYS_init_module, reinterpret_cast<long>(image), long(length),
                                    reinterpret_cast<long>(parameters)));
}
long finit_module(int fd, const char* parameters, int flags) {
    return checked(sys::raw_syscall(SYS_finit_module, fd, reinterpret_cast<long>(parameters), flags));
}
long delete_module(const char* name, unsigned flags) {
    return checked(sys::raw_syscall(SYS_delete_module, reinterpret_cast<long>(name), flags));
}

// A Linux built without modules (CONFIG_MODULES=n) or a sandbox answers every module call with ENOSYS:
// then there is nothing to check. blog_os always has them.
bool has_module_calls() {
    if (on_blog_os())
        return true;
    static int answer = -1;
    if (answer < 0) {
        long result = sys::raw_syscall(SYS_delete_module, reinterpret_cast<long>(""), O_NONBLOCK);
        answer = result != -ENOSYS;
        if (!answer)
            printf("  this kernel has no module calls (ENOSYS): nothing to check\n");
    }
    return answer;
}

// CAP_SYS_MODULE (bit 16 of CapEff); blog_os's root has every privilege and no capabilities line.
bool may_load_modules() {
    if (geteuid() != 0)
        return false;
    FILE* status = fopen("/proc/self/status", "r");
    if (!status)
        return true;
    char line[256];
    unsigned long long capabilities = ~0ull;
    while (fgets(line, sizeof line, status))
        sscanf(line, "CapEff: %llx", &capabilities);
    fclose(status);
    return (capabilities >> 16) & 1;
}

struct Result {
    int status = -1;
    char output[8192] = {};
};

// Runs ARGV[0] (a path) with stdout and stderr collected.
Result run(std::initializer_list<const char*> words) {
    Result result;
    const char* argv[16] = {};
    size_t count = 0;
    for (const char* word : words)
        argv[count++] = word;
    int ends[2];
    if (pipe(ends) != 0)
        return result;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, ends[1], 1);
    posix_spawn_file_actions_adddup2(&actions, ends[1], 2);
    posix_spawn_file_actions_addclose(&actions, ends[0]);
    posix_spawn_file_actions_addclose(&actions, ends[1]);
    pid_t child;
    int error = posix_spawn(&child, argv[0], &actions, nullptr, const_cast<char* const*>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(ends[1]);
    if (error != 0) {
        snprintf(result.output, sizeof result.output, "posix_spawn %s: %s", argv[0], strerror(error));
        close(ends[0]);
        return result;
    }
    size_t used = 0;
    for (;;) {
        ssize_t got = read(ends[0], result.output + used, sizeof result.output - 1 - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        used += size_t(got);
    }
    close(ends[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// Whether `text` holds `part`; when not, shows `text`, so a failure says what was there instead.
bool contains(const char* text, const char* part) {
    if (strstr(text, part) != nullptr)
        return true;
    printf("  looked for \"%s\" in:\n%s\n", part, text);
    return false;
}

// The kernel log through /dev/kmsg, positioned at its end: what is logged from now on.
class KernelLog {
public:
    KernelLog() : m_fd(open("/dev/kmsg", O_RDONLY | O_NONBLOCK)) {
        if (m_fd >= 0)
            lseek(m_fd, 0, SEEK_END);
    }
    ~KernelLog() {
        if (m_fd >= 0)
            close(m_fd);
    }
    // Adds to each count the records since that contain its text (not kept: for long runs).
    void count_new(const char* first, int& first_count, const char* second, int& second_count) {
        char record[1024];
        for (;;) {
            ssize_t got = read(m_fd, record, sizeof record - 1);
            if (got < 0 && errno == EPIPE)
                continue;
            if (got <= 0)
                break;
            record[got] = '\0';
            first_count += strstr(record, first) != nullptr;
            second_count += strstr(record, second) != nullptr;
        }
    }
    // The text of every record since, one per line.
    const char* read_new() {
        char record[1024];
        for (;;) {
            ssize_t got = read(m_fd, record, sizeof record - 1);
            if (got < 0 && errno == EPIPE)
                continue;
            if (got <= 0)
                break;
            record[got] = '\0';
            const char* text = strchr(record, ';');
            if (text)
                strncat(m_text, text + 1, sizeof m_text - strlen(m_text) - 1);
        }
        return m_text;
    }

private:
    int m_fd;
    char m_text[16384] = {};
};

void read_whole(const char* path, char* text, size_t size) {
    text[0] = '\0';
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    size_t used = 0;
    for (ssize_t got; used < size - 1 && (got = read(fd, text + used, size - 1 - used)) > 0;)
        used += size_t(got);
    text[used] = '\0';
    close(fd);
}

bool module_listed(const char* name) {
    char text[4096];
    read_whole("/proc/modules", text, sizeof text);
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s ", name);
    for (const char* line = text; *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line))
        if (strncmp(line, prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

// Starts from no hello loaded (init loads it at a normal boot).
void unload_hello() {
    if (module_listed("hello"))
        delete_module("hello", O_NONBLOCK);
}

long free_kib() {
    char text[4096];
    read_whole("/proc/meminfo", text, sizeof text);
    const char* line = strstr(text, "MemFree:");
    long kib = -1;
    if (line)
        sscanf(line, "MemFree: %ld", &kib);
    return kib;
}

// How much less memory is free than `before`, once it has had up to half a second to come back
// within `slack_kib`: an exited helper's kernel stack goes when the kernel reaps its task, a moment
// after wait() returns (later still if the task that would reap it holds a lock then).
long shortfall_kib(long before, long slack_kib) {
    long shortfall = before - free_kib();
    for (int tries = 0; tries < 50 && shortfall > slack_kib; ++tries) {
        usleep(10'000);
        shortfall = before - free_kib();
    }
    return shortfall;
}

long long now_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1'000'000'000ll + now.tv_nsec;
}

} // namespace

// ---- the calls' checks, Linux's order: privilege, then the arguments ----

TEST(init_module_of_a_short_image_fails_with_enoexec_for_root_and_eperm_for_others) {
    if (!has_module_calls())
        return;
    static const char image[16] = "\x7f"
                                  "ELF";
    EXPECT_ERRNO(init_module(image, sizeof image, ""), may_load_modules() ? ENOEXEC : EPERM);
}

TEST(finit_module_with_unknown_flags_fails_with_einval_and_a_bad_fd_with_ebadf) {
    if (!has_module_calls())
        return;
    if (!may_load_modules()) {
        EXPECT_ERRNO(finit_module(-1, "", 0), EPERM);
        return;
    }
    EXPECT_ERRNO(finit_module(0, "", 0x100), EINVAL);
    EXPECT_ERRNO(finit_module(-1, "", 0), EBADF);
}

TEST(delete_module_of_an_unknown_name_fails_with_enoent) {
    if (!has_module_calls())
        return;
    EXPECT_ERRNO(delete_module("no_such_module_here", O_NONBLOCK), may_load_modules() ? ENOENT : EPERM);
}

// ---- our modules, on blog_os ----

TEST(insmod_lsmod_modinfo_rmmod_show_and_remove_the_hello_module) {
    if (!on_blog_os())
        return;
    unload_hello();
    Result info = run({"/bin/modinfo", "hello"});
    EXPECT_EQ(info.status, 0);
    EXPECT_TRUE(contains(info.output, "filename:       /lib/modules/hello.ko\n"));
    EXPECT_TRUE(contains(info.output, "name:           hello\n"));
    EXPECT_TRUE(contains(info.output, "version:        1.0\n"));
    EXPECT_TRUE(contains(info.output, "license:        MIT\n"));
    EXPECT_TRUE(contains(info.output, "api_version:    1\n"));
    EXPECT_TRUE(contains(info.output, "parm:           name:whom to greet\n"));
    EXPECT_STREQ(run({"/bin/modinfo", "-F", "license", kHello}).output, "MIT\n");

    KernelLog log;
    Result inserted = run({"/bin/insmod", kHello, "name=world"});
    EXPECT_EQ(inserted.status, 0);
    EXPECT_STREQ(inserted.output, "");
    EXPECT_TRUE(contains(log.read_new(), "hello, world"));

    char modules[4096];
    read_whole("/proc/modules", modules, sizeof modules);
    char name[64], deps[16], state[16], address[32];
    unsigned long size = 0;
    long references = -1;
    const char* line = strstr(modules, "hello ");
    ASSERT_TRUE(line != nullptr);
    EXPECT_EQ(sscanf(line, "%63s %lu %ld %15s %15s %31s", name, &size, &references, deps, state, address), 6);
    EXPECT_STREQ(name, "hello");
    EXPECT_TRUE(size > 0 && size % 4096 == 0);
    EXPECT_EQ(references, 0);
    EXPECT_STREQ(deps, "-");
    EXPECT_STREQ(state, "Live");
    EXPECT_TRUE(strncmp(address, "0xffffffffc", 11) == 0 && strlen(address) == 18);

    Result listed = run({"/bin/lsmod"});
    EXPECT_EQ(listed.status, 0);
    EXPECT_TRUE(strncmp(listed.output, "Module                  Size  Used by\n", 38) == 0);
    char row[128];
    snprintf(row, sizeof row, "hello               %8lu  0\n", size);
    EXPECT_TRUE(contains(listed.output, row));

    Result again = run({"/bin/insmod", kHello});
    EXPECT_EQ(again.status, 1);
    EXPECT_TRUE(
        contains(again.output,
                 "insmod: ERROR: could not insert module /lib/modules/hello.ko: Module already in kernel\n"));

    Result removed = run({"/bin/rmmod", "hello"});
    EXPECT_EQ(removed.status, 0);
    EXPECT_STREQ(removed.output, "");
    EXPECT_TRUE(contains(log.read_new(), "goodbye, world"));
    EXPECT_TRUE(!module_listed("hello"));
    EXPECT_STREQ(run({"/bin/rmmod", "hello.ko"}).output,
                 "rmmod: ERROR: Module hello is not currently loaded\n");
}

// /sys/module/NAME as Linux lays it out, from insmod to rmmod; the declared parameter shows the value
// insmod gave it, and one that does not fit fails the load with the kernel's reason.
TEST(sys_module_shows_a_loaded_module_and_its_parameters_and_goes_with_it) {
    if (!on_blog_os())
        return;
    unload_hello();
    struct stat info {};
    EXPECT_ERRNO(stat("/sys/module/hello", &info), ENOENT);
    ASSERT_EQ(run({"/bin/insmod", kHello, "name=sysfs"}).status, 0);
    char text[256];
    read_whole("/sys/module/hello/refcnt", text, sizeof text);
    EXPECT_STREQ(text, "0\n");
    read_whole("/sys/module/hello/initstate", text, sizeof text);
    EXPECT_STREQ(text, "live\n");
    read_whole("/sys/module/hello/version", text, sizeof text);
    EXPECT_STREQ(text, "1.0\n");
    read_whole("/sys/module/hello/taint", text, sizeof text);
    EXPECT_STREQ(text, "\n");
    read_whole("/sys/module/hello/parameters/name", text, sizeof text);
    EXPECT_STREQ(text, "sysfs\n");
    // coresize is /proc/modules' size column.
    char modules[4096];
    read_whole("/proc/modules", modules, sizeof modules);
    const char* line = strstr(modules, "hello ");
    ASSERT_TRUE(line != nullptr);
    unsigned long size = 0;
    EXPECT_EQ(sscanf(line, "hello %lu", &size), 1);
    read_whole("/sys/module/hello/coresize", text, sizeof text);
    char expected[32];
    snprintf(expected, sizeof expected, "%lu\n", size);
    EXPECT_STREQ(text, expected);
    // sections/.text: where the module's code went, inside the module's pages; root only.
    unsigned long long base = 0, text_address = 0;
    EXPECT_EQ(sscanf(line, "hello %*u %*d %*s %*s %llx", &base), 1);
    read_whole("/sys/module/hello/sections/.text", text, sizeof text);
    EXPECT_EQ(sscanf(text, "0x%llx", &text_address), 1);
    EXPECT_TRUE(text_address >= base && text_address < base + size);
    EXPECT_EQ(stat("/sys/module/hello/sections/.text", &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0400u);
    EXPECT_EQ(stat("/sys/module/hello/holders", &info), 0);
    EXPECT_TRUE(S_ISDIR(info.st_mode));
    EXPECT_EQ(stat("/sys/module/hello/parameters/name", &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0444u);

    EXPECT_EQ(run({"/bin/rmmod", "hello"}).status, 0);
    EXPECT_ERRNO(stat("/sys/module/hello", &info), ENOENT);

    KernelLog log;
    Result refused = run({"/bin/insmod", kHello, "name=a_name_much_longer_than_the_32_bytes_it_has"});
    EXPECT_EQ(refused.status, 1);
    EXPECT_TRUE(
        contains(refused.output, "could not insert module /lib/modules/hello.ko: No space left on device"));
    EXPECT_TRUE(contains(refused.output, "refused: parameter name: 43 bytes, at most 31 fit"));
    EXPECT_TRUE(!module_listed("hello"));
    EXPECT_ERRNO(stat("/sys/module/hello", &info), ENOENT);
}

TEST(busybox_insmod_lsmod_and_rmmod_use_the_same_calls) {
    if (!on_blog_os())
        return;
    unload_hello();
    Result inserted = run({"/bin/busybox", "insmod", kHello});
    EXPECT_EQ(inserted.status, 0);
    EXPECT_STREQ(inserted.output, "");
    EXPECT_TRUE(module_listed("hello"));
    Result listed = run({"/bin/busybox", "lsmod"});
    EXPECT_EQ(listed.status, 0);
    EXPECT_TRUE(contains(listed.output, "hello"));
    Result removed = run({"/bin/busybox", "rmmod", "hello"});
    EXPECT_EQ(removed.status, 0);
    EXPECT_STREQ(removed.output, "");
    EXPECT_TRUE(!module_listed("hello"));
}

TEST(a_module_whose_init_fails_is_removed_whole_and_insmod_says_why) {
    if (!on_blog_os())
        return;
    // One round first: the heap's slabs and the process machinery grow once, on the first insmod.
    (void)run({"/bin/insmod", "/lib/modules/tests/failing_init.ko"});
    KernelLog log;
    long before = free_kib();
    Result inserted = run({"/bin/insmod", "/lib/modules/tests/failing_init.ko"});
    EXPECT_EQ(inserted.status, 1);
    EXPECT_TRUE(contains(
        inserted.output,
        "insmod: ERROR: could not insert module /lib/modules/tests/failing_init.ko: No such device\n"));
    EXPECT_TRUE(contains(inserted.output,
                         "insmod: kernel: module: failing_init.ko: init of failing_init failed with -19"));
    EXPECT_TRUE(contains(log.read_new(), "failing_init leaked 2 allocations (5100 bytes): freed"));
    EXPECT_TRUE(!module_listed("failing_init"));
    EXPECT_LE(shortfall_kib(before, 64),
              64); // its pages and allocations are back (slack for the log and pipes)
}

TEST(hostile_modules_are_refused_with_the_reason_shown) {
    if (!on_blog_os())
        return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/unknown_symbol.ko", kTests);
    Result unknown = run({"/bin/insmod", path});
    EXPECT_EQ(unknown.status, 1);
    EXPECT_TRUE(contains(unknown.output, "Unknown symbol in module"));
    EXPECT_TRUE(contains(unknown.output, "unknown symbol kernel_internal_function_not_exported"));

    snprintf(path, sizeof path, "%s/bad_relocation.ko", kTests);
    Result relocation = run({"/bin/insmod", path});
    EXPECT_EQ(relocation.status, 1);
    EXPECT_TRUE(contains(relocation.output, "Invalid module format"));
    EXPECT_TRUE(contains(relocation.output, "unsupported relocation R_X86_64_16 in .data.bad_relocation"));

    // hello.ko cut short.
    char image[65536];
    int fd = open(kHello, O_RDONLY);
    ASSERT_TRUE(fd >= 0);
    ssize_t size = read(fd, image, sizeof image);
    close(fd);
    ASSERT_TRUE(size > 2000);
    const char* truncated = "/tmp/module_test_truncated.ko";
    fd = open(truncated, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_TRUE(fd >= 0);
    EXPECT_EQ(write(fd, image, 1000), 1000);
    close(fd);
    Result cut = run({"/bin/insmod", truncated});
    EXPECT_EQ(cut.status, 1);
    EXPECT_TRUE(contains(cut.output, "Invalid module format"));
    EXPECT_TRUE(contains(cut.output, "truncated: the section header table"));
    unlink(truncated);

    // And straight through init_module, with a file that is no ELF at all.
    memset(image, 'x', 4096);
    EXPECT_ERRNO(init_module(image, 4096, ""), ENOEXEC);
    EXPECT_TRUE(!module_listed("unknown_symbol") && !module_listed("bad_relocation"));
}

TEST(a_module_is_pinned_while_its_device_is_open) {
    if (!on_blog_os())
        return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/chardev.ko", kTests);
    int module_fd = open(path, O_RDONLY);
    ASSERT_TRUE(module_fd >= 0);
    ASSERT_EQ(finit_module(module_fd, "", 0), 0);
    close(module_fd);
    const char* node = "/tmp/module_test_device";
    unlink(node);
    ASSERT_EQ(mknod(node, S_IFCHR | 0600, makedev(240, 0)), 0);
    int fd = open(node, O_RDONLY);
    ASSERT_TRUE(fd >= 0);
    char text[64] = {};
    EXPECT_EQ(read(fd, text, sizeof text - 1), 20);
    EXPECT_STREQ(text, "hello from a module\n");
    EXPECT_ERRNO(delete_module("chardev", O_NONBLOCK), EWOULDBLOCK);
    EXPECT_STREQ(run({"/bin/rmmod", "chardev"}).output, "rmmod: ERROR: Module chardev is in use\n");
    char modules[4096];
    read_whole("/proc/modules", modules, sizeof modules);
    const char* line = strstr(modules, "chardev ");
    ASSERT_TRUE(line != nullptr);
    long references = -1;
    sscanf(line, "chardev %*lu %ld", &references);
    EXPECT_EQ(references, 1);
    close(fd);
    EXPECT_EQ(delete_module("chardev", O_NONBLOCK), 0);
    EXPECT_ERRNO(open(node, O_RDONLY), ENXIO); // nothing serves 240:0 any more
    unlink(node);
}

TEST(a_thousand_loads_and_unloads_leave_free_memory_at_its_baseline) {
    if (!on_blog_os())
        return;
    unload_hello();
    int fd = open(kHello, O_RDONLY);
    ASSERT_TRUE(fd >= 0);
    auto round_trip = [&] { return finit_module(fd, "", 0) == 0 && delete_module("hello", O_NONBLOCK) == 0; };
    for (int warm_up = 0; warm_up < 10; ++warm_up)
        ASSERT_TRUE(round_trip());
    long before = free_kib();
    KernelLog log;
    long long start = now_ns();
    int done = 0, greetings = 0, farewells = 0;
    while (done < 1000 && round_trip()) {
        // Each round printed its hello and goodbye; read every 10 rounds, well within the log's ring.
        if (++done % 10 == 0)
            log.count_new("hello, blog_os", greetings, "goodbye, blog_os", farewells);
    }
    long long elapsed = now_ns() - start;
    long shortfall = shortfall_kib(before, 64);
    close(fd);
    EXPECT_EQ(done, 1000);
    EXPECT_EQ(greetings, 1000);
    EXPECT_EQ(farewells, 1000);
    printf("module load+unload round trip: %lld us (1000 rounds)\n", elapsed / 1000 / 1000);
    EXPECT_LE(shortfall, 64);
}
