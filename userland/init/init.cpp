// /init, the first user process (docs/init.md).
//
// `init` (the normal boot): sets up the environment, mounts /proc, /dev, /dev/pts, /tmp and /sys
// where they exist and are not mounted yet, loads every /lib/modules/*.ko (in name order, a failure
// logged and passed over), mounts what /etc/fstab lists, runs /etc/rc, starts an interactive shell on each
// terminal (/dev/ttyS0, /dev/tty1 when there is one) as the leader of a session with the terminal
// as its controlling terminal, starts it again when it exits, and reaps every orphan. The signals
// busybox's init answers mean the same here, so its halt/poweroff/reboot work too: SIGTERM (and
// SIGINT, Ctrl-Alt-Del) reboots, SIGUSR2 powers off, SIGUSR1 halts. Going down: SIGTERM to every
// process, up to two seconds for them to end, SIGKILL to the rest, sync, every mount but / unmounted,
// reboot(2).
//
// `init test [ROOT]` runs every test program under ROOT/tests/ (ROOT defaults to "/"; given on a
// Linux host to run the install tree) and exits 0 iff all passed.
#include "test_programs.h"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <initializer_list>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

// ---- init test ----

// Starts `path` with argv[0] = path; returns its wait status, or -1 with `error` set.
int run(const char* path, int& error) {
    char* const argv[] = {const_cast<char*>(path), nullptr};
    fflush(stdout);
    pid_t pid = -1;
    error = posix_spawn(&pid, path, nullptr, nullptr, argv, environ);
    if (error != 0)
        return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) == -1) {
        if (errno != EINTR) {
            error = errno;
            return -1;
        }
    }
    return status;
}

void describe(int status, int error, char* text, size_t size) {
    if (status == -1)
        snprintf(text, size, "could not run: %s", strerror(error));
    else if (WIFEXITED(status))
        snprintf(text, size, "status %d, exited with %d", status, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(text, size, "status %d, killed by signal %d", status, WTERMSIG(status));
    else
        snprintf(text, size, "status %d", status);
}

int run_test_programs(const char* root) {
    int passed = 0;
    int failed = 0;
    for (const char* program : init::kTestPrograms) {
        char path[PATH_MAX];
        // ROOT "/" or "" means the programs' own absolute paths.
        snprintf(path, sizeof(path), "%s%s", strcmp(root, "/") == 0 ? "" : root, program);
        int error = 0;
        int status = run(path, error);
        if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            printf("program %s ... ok\n", path);
            ++passed;
        } else {
            char text[96];
            describe(status, error, text, sizeof(text));
            printf("program %s ... FAILED (%s)\n", path, text);
            ++failed;
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}

// ---- the normal boot ----

constexpr const char* kShell = "/bin/sh";
constexpr const char* kRcScript = "/etc/rc";
constexpr const char* kHome = "/root";
// A shell that ends sooner than this after its start counts as failing to start; after
// kQuickDeathLimit of those in a row the next start waits kBackoffSeconds.
constexpr int kQuickDeathSeconds = 1;
constexpr int kQuickDeathLimit = 3;
constexpr int kBackoffSeconds = 10;
// How often a terminal device that is missing is looked for again (quietly).
constexpr int kMissingRetrySeconds = 30;
// Going down: how long processes get to end after SIGTERM, and after SIGKILL.
constexpr int kTermGraceMilliseconds = 2000;
constexpr int kKillGraceMilliseconds = 1000;

// Linux's reboot(2) commands (RB_* in <sys/reboot.h>), named by what init does.
enum class Shutdown { None, Reboot, PowerOff, Halt };

volatile sig_atomic_t g_shutdown_signal = 0;

void note_signal(int signal_number) {
    if (signal_number != SIGCHLD)
        g_shutdown_signal = signal_number;
}

void say(const char* format, ...) __attribute__((format(printf, 1, 2)));
void say(const char* format, ...) {
    char text[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(text, sizeof text, format, arguments);
    va_end(arguments);
    // One write per line, straight to the console: nothing buffered is lost if init is killed.
    char line[280];
    int length = snprintf(line, sizeof line, "init: %s\n", text);
    if (length > 0)
        (void)!write(STDERR_FILENO, line,
                     static_cast<size_t>(length) < sizeof line ? length : sizeof line - 1);
}

long monotonic_milliseconds() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000L + now.tv_nsec / 1'000'000;
}

void sleep_milliseconds(long milliseconds) {
    timespec duration{milliseconds / 1000, (milliseconds % 1000) * 1'000'000};
    nanosleep(&duration, nullptr);
}

// The signals init acts on: blocked except while it waits for them (sigtimedwait), each with a
// handler so that none is dropped as a default action that PID 1 would not get.
sigset_t watched_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int signal_number : {SIGCHLD, SIGTERM, SIGINT, SIGUSR1, SIGUSR2})
        sigaddset(&set, signal_number);
    return set;
}

void set_up_signals() {
    struct sigaction action {};
    action.sa_handler = note_signal;
    sigemptyset(&action.sa_mask);
    for (int signal_number : {SIGCHLD, SIGTERM, SIGINT, SIGUSR1, SIGUSR2})
        sigaction(signal_number, &action, nullptr);
    // The shells' job control must not stop or end init.
    signal(SIGHUP, SIG_IGN);
    signal(SIGTSTP, SIG_IGN);
    signal(SIGTTIN, SIG_IGN);
    signal(SIGTTOU, SIG_IGN);
    sigset_t set = watched_signals();
    sigprocmask(SIG_BLOCK, &set, nullptr);
}

// A child starts with the dispositions and mask a program expects, not init's.
void reset_signals_for_child() {
    for (int signal_number : {SIGCHLD, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU})
        signal(signal_number, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
}

Shutdown shutdown_for(int signal_number) {
    switch (signal_number) {
    case SIGTERM:
    case SIGINT:
        return Shutdown::Reboot;
    case SIGUSR2:
        return Shutdown::PowerOff;
    case SIGUSR1:
        return Shutdown::Halt;
    default:
        return Shutdown::None;
    }
}

void set_up_environment() {
    setenv("PATH", "/bin:/usr/bin", 1);
    setenv("HOME", kHome, 1);
    setenv("SHELL", kShell, 1);
    setenv("USER", "root", 1);
    setenv("LOGNAME", "root", 1);
    umask(022);
    if (mkdir(kHome, 0700) != 0 && errno != EEXIST)
        say("cannot create %s: %s", kHome, strerror(errno));
    (void)!chdir("/");
}

// ---- mounts ----

struct MountEntry {
    const char* source;
    const char* target;
    const char* type;
    unsigned long flags;
    const char* data;
};

constexpr MountEntry kMounts[] = {
    {"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""},
    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=755"},
    {"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, ""},
    {"tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
    {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""},
};

bool is_directory(const char* path) {
    struct stat status {};
    return stat(path, &status) == 0 && S_ISDIR(status.st_mode);
}

// Whether /proc/mounts lists `target` as a mount point (false when /proc is not there yet).
bool is_mount_point(const char* target) {
    FILE* mounts = fopen("/proc/mounts", "re");
    if (!mounts)
        return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, mounts)) {
        char source[128], point[256];
        if (sscanf(line, "%127s %255s", source, point) == 2 && strcmp(point, target) == 0)
            found = true;
    }
    fclose(mounts);
    return found;
}

// Mounts what the kernel has not mounted already; /proc first, so the rest can be checked in it.
void mount_file_systems() {
    for (const MountEntry& entry : kMounts) {
        // devtmpfs has no pts directory of its own.
        if (strcmp(entry.target, "/dev/pts") == 0 && mkdir(entry.target, 0755) != 0 && errno != EEXIST)
            continue;
        if (!is_directory(entry.target) || is_mount_point(entry.target))
            continue;
        if (mount(entry.source, entry.target, entry.type, entry.flags, entry.data) == 0)
            continue;
        // EBUSY: mounted after all; ENODEV: this kernel has no such file system (blog_os: sysfs).
        if (errno != EBUSY && errno != ENODEV)
            say("cannot mount %s on %s: %s", entry.type, entry.target, strerror(errno));
    }
}

// /etc/fstab: "device mount-point type options dump pass" a line, '#' comments, fields apart by
// blanks, "\040" for a blank inside one (as fstab(5)). Options: defaults, ro, rw, nosuid, suid, nodev,
// dev, noexec, exec, noauto (skipped here), nofail (a missing device is skipped quietly), sync,
// relatime/noatime/atime (accepted); anything else goes to the file system as its data.
constexpr const char* kFstab = "/etc/fstab";

// Undoes fstab's and /proc/mounts' octal escapes in place.
void unescape_field(char* field) {
    char* out = field;
    for (const char* in = field; *in; ++in) {
        if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' && in[3] >= '0' &&
            in[3] <= '7') {
            *out++ = static_cast<char>((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
            in += 3;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
}

// Splits `line` into up to `count` blank-separated fields (unescaped); returns how many it found.
int split_fields(char* line, char** fields, int count) {
    int found = 0;
    char* rest = line;
    while (found < count) {
        char* field = strtok_r(found == 0 ? rest : nullptr, " \t\n", &rest);
        if (!field)
            break;
        unescape_field(field);
        fields[found++] = field;
    }
    return found;
}

struct FstabOptions {
    unsigned long flags = 0;
    bool automatic = true;
    bool fail_quietly_when_missing = false;
    char data[256] = {};
};

FstabOptions parse_fstab_options(const char* text) {
    struct Flag {
        const char* name;
        unsigned long set, clear;
    };
    static constexpr Flag kFlags[] = {
        {"defaults", 0, 0},     {"rw", 0, MS_RDONLY},        {"ro", MS_RDONLY, 0}, {"nosuid", MS_NOSUID, 0},
        {"suid", 0, MS_NOSUID}, {"nodev", MS_NODEV, 0},      {"dev", 0, MS_NODEV}, {"noexec", MS_NOEXEC, 0},
        {"exec", 0, MS_NOEXEC}, {"sync", MS_SYNCHRONOUS, 0}, {"relatime", 0, 0},   {"noatime", 0, 0},
        {"atime", 0, 0},
    };
    FstabOptions options;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", text);
    char* rest = nullptr;
    for (char* option = strtok_r(copy, ",", &rest); option; option = strtok_r(nullptr, ",", &rest)) {
        if (strcmp(option, "noauto") == 0) {
            options.automatic = false;
            continue;
        }
        if (strcmp(option, "auto") == 0)
            continue;
        if (strcmp(option, "nofail") == 0) {
            options.fail_quietly_when_missing = true;
            continue;
        }
        bool known = false;
        for (const Flag& flag : kFlags) {
            if (strcmp(option, flag.name) == 0) {
                options.flags = (options.flags | flag.set) & ~flag.clear;
                known = true;
            }
        }
        if (!known) {
            size_t used = strlen(options.data);
            snprintf(options.data + used, sizeof options.data - used, "%s%s", used ? "," : "", option);
        }
    }
    return options;
}

// Mounts every automatic /etc/fstab entry whose mount point is not mounted yet ("/" is the
// kernel's). A failure is one line, except a missing device under nofail, and init goes on.
void mount_fstab() {
    FILE* table = fopen(kFstab, "re");
    if (!table)
        return;
    char line[512];
    while (fgets(line, sizeof line, table)) {
        char* start = line + strspn(line, " \t");
        if (*start == '#' || *start == '\n' || *start == '\0')
            continue;
        char* fields[4] = {};
        if (split_fields(start, fields, 4) < 3) {
            say("%s: a line without device, mount point and type: %s", kFstab, start);
            continue;
        }
        FstabOptions options = parse_fstab_options(fields[3] ? fields[3] : "defaults");
        const char* device = fields[0];
        const char* target = fields[1];
        const char* type = fields[2];
        if (!options.automatic || strcmp(target, "/") == 0 || strcmp(type, "swap") == 0 ||
            is_mount_point(target))
            continue;
        if (options.fail_quietly_when_missing && device[0] == '/' && access(device, F_OK) != 0)
            continue;
        // EBUSY: the device is mounted elsewhere already (the disk booted as root=).
        if (mount(device, target, type, options.flags, options.data) != 0 && errno != EBUSY)
            say("cannot mount %s on %s (%s): %s", device, target, type, strerror(errno));
    }
    fclose(table);
}

// Going down: every mount but "/" taken away, the last mounted first, so the file systems on disks
// are written back and marked clean (an ext2 volume mounted read-write is "not clean" until then).
// One still in use (EBUSY: init's console keeps /dev) is left, quietly: the kernel syncs it.
void unmount_file_systems() {
    constexpr int kMostMounts = 64;
    static char targets[kMostMounts][256];
    int count = 0;
    FILE* mounts = fopen("/proc/mounts", "re");
    if (!mounts)
        return;
    char line[512];
    while (count < kMostMounts && fgets(line, sizeof line, mounts)) {
        char* fields[2] = {};
        if (split_fields(line, fields, 2) == 2 && strcmp(fields[1], "/") != 0)
            snprintf(targets[count++], sizeof targets[0], "%s", fields[1]);
    }
    fclose(mounts);
    for (int i = count - 1; i >= 0; --i) {
        if (umount(targets[i]) != 0 && errno != EBUSY && errno != EINVAL)
            say("cannot unmount %s: %s", targets[i], strerror(errno));
    }
}

// A kernel gives init /dev/console as fds 0-2 only when the node exists at that point (Linux with an
// initramfs that lacks it does not); with /dev mounted now, a closed one gets the console.
void ensure_standard_descriptors() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (fcntl(fd, F_GETFD) != -1)
            continue;
        // 0..fd-1 are open, so the lowest free descriptor is fd itself.
        if (open("/dev/console", O_RDWR | O_NOCTTY) < 0)
            return;
    }
}

// ---- children ----

// Waits for `pid`, reaping whatever else ends meanwhile; its status, or -1.
int wait_for(pid_t pid) {
    for (;;) {
        int status = 0;
        pid_t ended = waitpid(-1, &status, 0);
        if (ended == pid)
            return status;
        if (ended == -1 && errno != EINTR)
            return -1;
    }
}

// ---- modules ----

constexpr const char* kModuleDirectory = "/lib/modules";

int compare_names(const void* left, const void* right) {
    return strcmp(*static_cast<char* const*>(left), *static_cast<char* const*>(right));
}

// Every /lib/modules/*.ko, in name order (not the subdirectories: /lib/modules/tests holds test
// modules). A module that fails is reported and passed over: the kernel log says why.
void load_modules() {
    DIR* directory = opendir(kModuleDirectory);
    if (!directory)
        return;
    char* names[64];
    size_t count = 0;
    while (dirent* entry = readdir(directory)) {
        size_t length = strlen(entry->d_name);
        if (length > 3 && strcmp(entry->d_name + length - 3, ".ko") == 0 && count < 64)
            if (char* copy = strdup(entry->d_name))
                names[count++] = copy;
    }
    closedir(directory);
    qsort(names, count, sizeof names[0], compare_names);
    for (size_t index = 0; index < count; ++index) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", kModuleDirectory, names[index]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0)
            say("cannot load module %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(names[index]);
    }
}

void run_rc_script() {
    if (access(kRcScript, R_OK) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        reset_signals_for_child();
        execl(kShell, "sh", kRcScript, static_cast<char*>(nullptr));
        say("cannot run %s: %s", kShell, strerror(errno));
        _exit(127);
    }
    if (pid < 0) {
        say("cannot start %s: %s", kRcScript, strerror(errno));
        return;
    }
    int status = wait_for(pid);
    if (status != 0) {
        char text[96];
        describe(status, 0, text, sizeof text);
        say("%s ended with %s", kRcScript, text);
    }
}

struct Terminal {
    const char* device;
    const char* term; // TERM for the shell there
    pid_t shell = 0;
    long started_at = 0;
    int quick_deaths = 0;
    long next_start = 0; // monotonic milliseconds; 0 means now
    bool reported_missing = false;
};

Terminal g_terminals[] = {
    {"/dev/ttyS0", "vt100"},
    {"/dev/tty1", "linux"},
};

// In the child: a session of its own with `terminal` as its controlling terminal on fds 0-2.
[[noreturn]] void exec_shell_on(const Terminal& terminal) {
    reset_signals_for_child();
    if (setsid() < 0)
        _exit(126);
    int fd = open(terminal.device, O_RDWR);
    if (fd < 0)
        _exit(126);
    // Steal it (as root) only if another session still holds it, e.g. init's own console.
    if (ioctl(fd, TIOCSCTTY, 0) != 0 && ioctl(fd, TIOCSCTTY, 1) != 0)
        say("%s: cannot make it the controlling terminal: %s", terminal.device, strerror(errno));
    for (int target = 0; target <= 2; ++target)
        dup2(fd, target);
    if (fd > 2)
        close(fd);
    setenv("TERM", terminal.term, 1);
    (void)!chdir(kHome);
    // "-sh": a login shell, by the old convention.
    execl(kShell, "-sh", static_cast<char*>(nullptr));
    say("cannot run %s on %s: %s", kShell, terminal.device, strerror(errno));
    _exit(127);
}

void start_shell(Terminal& terminal, long now) {
    struct stat status {};
    if (stat(terminal.device, &status) != 0 || !S_ISCHR(status.st_mode)) {
        if (!terminal.reported_missing)
            say("no %s: no shell there", terminal.device);
        terminal.reported_missing = true;
        terminal.next_start = now + kMissingRetrySeconds * 1000L;
        return;
    }
    pid_t pid = fork();
    if (pid == 0)
        exec_shell_on(terminal);
    if (pid < 0) {
        say("cannot start a shell on %s: %s", terminal.device, strerror(errno));
        terminal.next_start = now + kBackoffSeconds * 1000L;
        return;
    }
    terminal.shell = pid;
    terminal.started_at = now;
    terminal.next_start = 0;
}

// A terminal's shell ended: plan its next start, later if it keeps ending at once.
void shell_ended(Terminal& terminal, long now) {
    terminal.shell = 0;
    if (now - terminal.started_at < kQuickDeathSeconds * 1000L)
        ++terminal.quick_deaths;
    else
        terminal.quick_deaths = 0;
    if (terminal.quick_deaths >= kQuickDeathLimit) {
        say("the shell on %s keeps exiting; next try in %d s", terminal.device, kBackoffSeconds);
        terminal.quick_deaths = 0;
        terminal.next_start = now + kBackoffSeconds * 1000L;
    } else {
        terminal.next_start = now;
    }
}

void reap_children() {
    for (;;) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            return;
        for (Terminal& terminal : g_terminals)
            if (terminal.shell == pid)
                shell_ended(terminal, monotonic_milliseconds());
    }
}

// Reaps until no child is left or `milliseconds` pass; true when none is left.
bool reap_all_within(long milliseconds) {
    long deadline = monotonic_milliseconds() + milliseconds;
    for (;;) {
        while (waitpid(-1, nullptr, WNOHANG) > 0) {
        }
        if (waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD)
            return true;
        if (monotonic_milliseconds() >= deadline)
            return false;
        sleep_milliseconds(20);
    }
}

[[noreturn]] void go_down(Shutdown how) {
    const char* what = how == Shutdown::PowerOff ? "power off" : how == Shutdown::Halt ? "halt" : "reboot";
    say("the system is going down (%s)", what);
    say("sending SIGTERM to all processes");
    kill(-1, SIGTERM);
    kill(-1, SIGCONT); // stopped jobs must run to see it
    if (!reap_all_within(kTermGraceMilliseconds)) {
        say("sending SIGKILL to all processes");
        kill(-1, SIGKILL);
        reap_all_within(kKillGraceMilliseconds);
    }
    sync();
    unmount_file_systems();
    unsigned command = how == Shutdown::PowerOff ? RB_POWER_OFF
                       : how == Shutdown::Halt   ? RB_HALT_SYSTEM
                                                 : RB_AUTOBOOT;
    reboot(static_cast<int>(command));
    // Still here: the kernel refused. Nothing is left to run, so wait for a signal to try again.
    say("reboot(2) failed: %s", strerror(errno));
    for (;;)
        pause();
}

[[noreturn]] void boot() {
    if (getpid() != 1) {
        // kill(-1) would reach every process of whoever started us.
        say("not process 1: only `init test` may run here");
        exit(1);
    }
    set_up_signals();
    // Ctrl-Alt-Delete becomes a SIGINT to us (an orderly reboot) instead of an immediate reset.
    if (reboot(RB_DISABLE_CAD) != 0)
        say("cannot turn Ctrl-Alt-Delete into a signal: %s", strerror(errno));
    set_up_environment();
    mount_file_systems();
    ensure_standard_descriptors();
    load_modules();
    mount_fstab();
    run_rc_script();
    sigset_t watched = watched_signals();
    for (;;) {
        reap_children();
        Shutdown how = shutdown_for(g_shutdown_signal);
        if (how != Shutdown::None)
            go_down(how);
        long now = monotonic_milliseconds();
        long wait_ms = 3'600'000;
        for (Terminal& terminal : g_terminals) {
            if (terminal.shell == 0 && terminal.next_start <= now)
                start_shell(terminal, now);
            if (terminal.shell == 0 && terminal.next_start > now && terminal.next_start - now < wait_ms)
                wait_ms = terminal.next_start - now;
        }
        timespec timeout{wait_ms / 1000, (wait_ms % 1000) * 1'000'000};
        siginfo_t info{};
        int got = sigtimedwait(&watched, &info, &timeout);
        if (got > 0)
            note_signal(got);
    }
}

} // namespace

int main(int argc, char** argv) {
    // write(2) rather than stdio: this line must come out first and whole, whatever else happens.
    static const char kBanner[] = "Starting init process\n";
    (void)!write(STDOUT_FILENO, kBanner, sizeof(kBanner) - 1);

    if (argc >= 2 && strcmp(argv[1], "test") == 0)
        return run_test_programs(argc >= 3 ? argv[2] : "/");
    boot();
}
