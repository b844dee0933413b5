// Utilities about the running system, reading blog_os's Linux-format /proc and /dev/kmsg: ps kill free
// uptime dmesg mount umount, plus clear and halt reboot poweroff.
#include "toolbox.h"
#include "toolbox/format.h"
#include "toolbox/walk.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <vector>

namespace toolbox {

namespace {

struct ProcessInfo {
    int pid;
    char state;
    char name[64];
    int tty;
    unsigned long long cpu_ticks;
};

bool read_process(int pid, ProcessInfo& info) {
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE* file = fopen(path, "r");
    if (file == nullptr)
        return false;
    bool ok = fgets(line, sizeof(line), file) != nullptr;
    fclose(file);
    if (!ok)
        return false;
    // "pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime";
    // comm may hold spaces and parentheses, so it runs to the last ')'.
    char* open = strchr(line, '(');
    char* close = strrchr(line, ')');
    if (open == nullptr || close == nullptr || close < open)
        return false;
    info.pid = pid;
    size_t length = std::min<size_t>(static_cast<size_t>(close - open - 1), sizeof(info.name) - 1);
    memcpy(info.name, open + 1, length);
    info.name[length] = '\0';
    int ppid, pgrp, session, tpgid;
    unsigned flags;
    unsigned long minflt, cminflt, majflt, cmajflt, utime, stime;
    if (sscanf(close + 2, "%c %d %d %d %d %d %u %lu %lu %lu %lu %lu %lu", &info.state, &ppid, &pgrp, &session,
               &info.tty, &tpgid, &flags, &minflt, &cminflt, &majflt, &cmajflt, &utime, &stime) != 13)
        return false;
    info.cpu_ticks = utime + stime;
    return true;
}

} // namespace

int ps_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "efAaux");
    for (int code; (code = parser.next()) != OptionParser::end;)
        if (code < 0)
            handle_common_option(code);
    DIR* proc = opendir("/proc");
    if (proc == nullptr) {
        error_errno(errno, "cannot open /proc");
        return 1;
    }
    std::vector<int> pids;
    while (struct dirent* entry = readdir(proc))
        if (isdigit(static_cast<unsigned char>(entry->d_name[0])))
            pids.push_back(atoi(entry->d_name));
    closedir(proc);
    std::sort(pids.begin(), pids.end());
    long ticks_per_second = sysconf(_SC_CLK_TCK);
    if (ticks_per_second <= 0)
        ticks_per_second = 100;
    printf("%7s %-8s %8s %s\n", "PID", "TTY", "TIME", "CMD");
    for (int pid : pids) {
        ProcessInfo info;
        if (!read_process(pid, info))
            continue;
        char tty[16] = "?";
        if (info.tty != 0) {
            unsigned major_number = (static_cast<unsigned>(info.tty) >> 8) & 0xfff;
            unsigned minor_number = (static_cast<unsigned>(info.tty) & 0xff) |
                                    ((static_cast<unsigned>(info.tty) >> 12) & 0xfff00);
            if (major_number == 4 && minor_number >= 64)
                snprintf(tty, sizeof(tty), "ttyS%u", minor_number - 64);
            else if (major_number == 4)
                snprintf(tty, sizeof(tty), "tty%u", minor_number);
            else if (major_number >= 136 && major_number <= 143)
                snprintf(tty, sizeof(tty), "pts/%u", minor_number);
            else
                snprintf(tty, sizeof(tty), "%u,%u", major_number, minor_number);
        }
        unsigned long long seconds = info.cpu_ticks / static_cast<unsigned long long>(ticks_per_second);
        printf("%7d %-8s %02llu:%02llu:%02llu %s\n", info.pid, tty, seconds / 3600, seconds / 60 % 60,
               seconds % 60, info.name);
    }
    return 0;
}

namespace {

const struct {
    const char* name;
    int number;
} signal_names[] = {{"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},
                    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"BUS", SIGBUS},   {"FPE", SIGFPE},
                    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
                    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT},
                    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
                    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},
                    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
                    {"POLL", SIGPOLL}, {"PWR", SIGPWR},       {"SYS", SIGSYS}};

int signal_number(const char* text) {
    if (isdigit(static_cast<unsigned char>(text[0]))) {
        int value = atoi(text);
        return value >= 0 && value < 65 ? value : -1;
    }
    if (strncasecmp(text, "SIG", 3) == 0)
        text += 3;
    for (const auto& entry : signal_names)
        if (strcasecmp(entry.name, text) == 0)
            return entry.number;
    return -1;
}

} // namespace

int kill_main(int argc, char** argv) {
    int signal = SIGTERM;
    int index = 1;
    if (index < argc && strcmp(argv[index], "--help") == 0)
        exit_with_help();
    if (index < argc && strcmp(argv[index], "-l") == 0) {
        for (const auto& entry : signal_names)
            printf("%2d) SIG%s\n", entry.number, entry.name);
        return 0;
    }
    if (index < argc && (strcmp(argv[index], "-s") == 0 || strcmp(argv[index], "-n") == 0)) {
        if (index + 1 >= argc || (signal = signal_number(argv[index + 1])) < 0) {
            error("%s: invalid signal", index + 1 < argc ? argv[index + 1] : "");
            return 1;
        }
        index += 2;
    } else if (index < argc && argv[index][0] == '-' && argv[index][1] != '\0' &&
               strcmp(argv[index], "--") != 0) {
        signal = signal_number(argv[index] + 1);
        if (signal < 0) {
            error("%s: invalid signal", argv[index] + 1);
            return 1;
        }
        ++index;
    }
    if (index < argc && strcmp(argv[index], "--") == 0)
        ++index;
    if (index >= argc) {
        error("no process ID specified");
        report_try_help();
        return 1;
    }
    int status = 0;
    for (; index < argc; ++index) {
        char* end = nullptr;
        long pid = strtol(argv[index], &end, 10);
        if (end == argv[index] || *end != '\0') {
            error("%s: arguments must be process or job IDs", quote(argv[index]));
            status = 1;
            continue;
        }
        if (kill(static_cast<pid_t>(pid), signal) != 0) {
            error_errno(errno, "(%ld)", pid);
            status = 1;
        }
    }
    return status;
}

int free_main(int argc, char** argv) {
    static const LongOption longs[] = {{"human", 'h', false}};
    OptionParser parser(argc, argv, "hkm", longs, 1);
    bool human = false, mebibytes = false;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'h')
            human = true;
        else if (code == 'm')
            mebibytes = true;
        else if (code != 'k')
            handle_common_option(code);
    }
    FILE* file = fopen("/proc/meminfo", "r");
    if (file == nullptr) {
        error_errno(errno, "cannot open /proc/meminfo");
        return 1;
    }
    unsigned long long total = 0, free_kb = 0, available = 0, buffers = 0, cached = 0, shared = 0,
                       reclaimable = 0, swap_total = 0, swap_free = 0;
    bool has_available = false;
    char line[256];
    while (fgets(line, sizeof(line), file)) {
        char key[64];
        unsigned long long value;
        if (sscanf(line, "%63[^:]: %llu", key, &value) != 2)
            continue;
        if (strcmp(key, "MemTotal") == 0)
            total = value;
        else if (strcmp(key, "MemFree") == 0)
            free_kb = value;
        else if (strcmp(key, "MemAvailable") == 0)
            available = value, has_available = true;
        else if (strcmp(key, "Buffers") == 0)
            buffers = value;
        else if (strcmp(key, "Cached") == 0)
            cached = value;
        else if (strcmp(key, "Shmem") == 0)
            shared = value;
        else if (strcmp(key, "SReclaimable") == 0)
            reclaimable = value;
        else if (strcmp(key, "SwapTotal") == 0)
            swap_total = value;
        else if (strcmp(key, "SwapFree") == 0)
            swap_free = value;
    }
    fclose(file);
    unsigned long long cache = buffers + cached + reclaimable;
    unsigned long long used = total > free_kb + cache ? total - free_kb - cache : total - free_kb;
    if (!has_available)
        available = free_kb;
    auto cell = [&](unsigned long long kib) {
        char text[32];
        if (human)
            format_human_size(kib * 1024, text, sizeof(text));
        else
            snprintf(text, sizeof(text), "%llu", mebibytes ? kib / 1024 : kib);
        printf(" %11s", text);
    };
    printf("%-7s %11s %11s %11s %11s %11s %11s\n", "", "total", "used", "free", "shared", "buff/cache",
           "available");
    printf("%-7s", "Mem:");
    for (unsigned long long value : {total, used, free_kb, shared, cache, available})
        cell(value);
    printf("\n%-7s", "Swap:");
    for (unsigned long long value : {swap_total, swap_total - swap_free, swap_free})
        cell(value);
    putchar('\n');
    return 0;
}

int uptime_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "");
    for (int code; (code = parser.next()) != OptionParser::end;)
        handle_common_option(code);
    double up = 0, loads[3] = {};
    FILE* file = fopen("/proc/uptime", "r");
    if (file == nullptr || fscanf(file, "%lf", &up) != 1) {
        error_errno(errno, "cannot read /proc/uptime");
        if (file != nullptr)
            fclose(file);
        return 1;
    }
    fclose(file);
    if ((file = fopen("/proc/loadavg", "r")) != nullptr) {
        if (fscanf(file, "%lf %lf %lf", &loads[0], &loads[1], &loads[2]) != 3)
            loads[0] = loads[1] = loads[2] = 0;
        fclose(file);
    }
    time_t now = time(nullptr);
    struct tm broken_down;
    localtime_r(&now, &broken_down);
    long total_minutes = static_cast<long>(up) / 60;
    long days = total_minutes / 1440, hours = total_minutes / 60 % 24, minutes = total_minutes % 60;
    printf(" %02d:%02d:%02d up ", broken_down.tm_hour, broken_down.tm_min, broken_down.tm_sec);
    if (days > 0)
        printf("%ld day%s, ", days, days == 1 ? "" : "s");
    if (hours > 0)
        printf("%2ld:%02ld, ", hours, minutes);
    else
        printf("%ld min, ", minutes);
    printf(" load average: %.2f, %.2f, %.2f\n", loads[0], loads[1], loads[2]);
    return 0;
}

int dmesg_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "");
    for (int code; (code = parser.next()) != OptionParser::end;)
        handle_common_option(code);
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        error_errno(errno, "read kernel buffer failed");
        return 1;
    }
    // One record per read: "priority,sequence,microseconds,flags;text\n" then continuation lines.
    char record[8192];
    for (;;) {
        ssize_t got = read(fd, record, sizeof(record) - 1);
        if (got < 0 && errno == EPIPE)
            continue; // records were overwritten while we read: go on with the next
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        record[got] = '\0';
        unsigned long long microseconds = 0;
        char* semicolon = strchr(record, ';');
        if (semicolon == nullptr)
            continue;
        sscanf(record, "%*u,%*u,%llu", &microseconds);
        char* text = semicolon + 1;
        char* newline = strchr(text, '\n');
        if (newline != nullptr)
            *newline = '\0';
        printf("[%5llu.%06llu] %s\n", microseconds / 1000000, microseconds % 1000000, text);
    }
    close(fd);
    return 0;
}

int mount_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "t:o:");
    const char* type = nullptr;
    const char* options = nullptr;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 't')
            type = parser.argument();
        else if (code == 'o')
            options = parser.argument();
        else
            handle_common_option(code);
    }
    const std::vector<char*>& operands = parser.operands();
    if (operands.empty()) {
        FILE* file = fopen("/proc/mounts", "r");
        if (file == nullptr) {
            error_errno(errno, "cannot read /proc/mounts");
            return 1;
        }
        char line[1024];
        while (fgets(line, sizeof(line), file)) {
            char source[256], target[256], fs_type[64], mount_options[512];
            if (sscanf(line, "%255s %255s %63s %511s", source, target, fs_type, mount_options) == 4)
                printf("%s on %s type %s (%s)\n", source, target, fs_type, mount_options);
        }
        fclose(file);
        return 0;
    }
    if (operands.size() != 2) {
        error("bad usage");
        report_try_help();
        return 1;
    }
    // Flags spelled as options are taken out; the rest goes to the file system as data.
    unsigned long flags = 0;
    char data[512] = "";
    if (options != nullptr) {
        char copy[512];
        snprintf(copy, sizeof(copy), "%s", options);
        for (char *save = nullptr, *word = strtok_r(copy, ",", &save); word;
             word = strtok_r(nullptr, ",", &save)) {
            if (strcmp(word, "ro") == 0)
                flags |= MS_RDONLY;
            else if (strcmp(word, "remount") == 0)
                flags |= MS_REMOUNT;
            else if (strcmp(word, "bind") == 0)
                flags |= MS_BIND;
            else if (strcmp(word, "nosuid") == 0)
                flags |= MS_NOSUID;
            else if (strcmp(word, "nodev") == 0)
                flags |= MS_NODEV;
            else if (strcmp(word, "noexec") == 0)
                flags |= MS_NOEXEC;
            else if (strcmp(word, "rw") != 0 && strcmp(word, "defaults") != 0) {
                if (data[0] != '\0')
                    strncat(data, ",", sizeof(data) - strlen(data) - 1);
                strncat(data, word, sizeof(data) - strlen(data) - 1);
            }
        }
    }
    if (mount(operands[0], operands[1], type != nullptr ? type : "", flags, data[0] ? data : nullptr) != 0) {
        error_errno(errno, "%s", operands[1]);
        return 32; // util-linux: mount failure
    }
    return 0;
}

int umount_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "lf");
    int flags = 0;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'l')
            flags |= MNT_DETACH;
        else if (code == 'f')
            flags |= MNT_FORCE;
        else
            handle_common_option(code);
    }
    if (parser.operands().empty()) {
        error("bad usage");
        report_try_help();
        return 1;
    }
    int status = 0;
    for (char* target : parser.operands()) {
        if (umount2(target, flags) != 0) {
            error_errno(errno, "%s", target);
            status = 32;
        }
    }
    return status;
}

int clear_main(int argc, char** argv) {
    OptionParser parser(argc, argv, "");
    for (int code; (code = parser.next()) != OptionParser::end;)
        handle_common_option(code);
    // Home, erase the screen, erase the scrollback.
    fputs("\033[H\033[2J\033[3J", stdout);
    return 0;
}

namespace {

// busybox's convention, which /init follows: halt, poweroff and reboot signal process 1 (SIGUSR1,
// SIGUSR2, SIGTERM), which stops every process and syncs first; -f calls reboot(2) at once.
struct Restart {
    const char* verb;
    int signal_number;
    unsigned command; // RB_*: constants above INT_MAX
};

int restart(int argc, char** argv, const Restart& how) {
    OptionParser parser(argc, argv, "d:nfp");
    bool force = false, sync_first = true;
    unsigned delay = 0;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        if (code == 'f') {
            force = true;
        } else if (code == 'n') {
            sync_first = false;
        } else if (code == 'd') {
            char* end = nullptr;
            unsigned long value = strtoul(parser.argument(), &end, 10);
            if (*parser.argument() == '\0' || *end != '\0') {
                error("invalid number '%s'", parser.argument());
                return 1;
            }
            delay = static_cast<unsigned>(value);
        } else if (code < 0) {
            handle_common_option(code);
        }
    }
    if (delay > 0)
        sleep(delay);
    if (sync_first)
        sync();
    int result = force ? reboot(static_cast<int>(how.command)) : kill(1, how.signal_number);
    if (result != 0) {
        error_errno(errno, "cannot %s", how.verb);
        return 1;
    }
    return 0;
}

} // namespace

int reboot_main(int argc, char** argv) {
    return restart(argc, argv, {"reboot", SIGTERM, RB_AUTOBOOT});
}

int poweroff_main(int argc, char** argv) {
    return restart(argc, argv, {"power off", SIGUSR2, RB_POWER_OFF});
}

int halt_main(int argc, char** argv) {
    return restart(argc, argv, {"halt", SIGUSR1, RB_HALT_SYSTEM});
}

} // namespace toolbox
