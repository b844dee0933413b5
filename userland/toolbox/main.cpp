// /bin/toolbox: one static program for every utility, so the initrd holds one copy of libc and the
// shared code instead of fifty. /bin/ls and the others are symlinks to it; it runs the utility named
// by argv[0]'s last component, or by its first argument ("toolbox ls -l").
#include "toolbox.h"

#include "toolbox/walk.h"

#include <bits/allocator.h>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

// libstdc++ declares std::allocator<char> an extern template whose members live in libstdc++.so/.a, which
// user programs do not link: instantiate it here so std::vector<char> works.
template class std::allocator<char>;

namespace toolbox {

namespace {

// Sorted by name; the usage texts are what --help prints after "Usage: ".
constexpr Utility utilities[] = {
    {"[", test_main, "[ EXPRESSION ]\nEvaluate EXPRESSION like test; the last argument must be ']'.\n"},
    {"cat", cat_main,
     "cat [FILE]...\nConcatenate FILEs (standard input for - or none) to standard output.\n"},
    {"chmod", chmod_main,
     "chmod [-R] MODE[,MODE]... FILE...\nChange file modes: octal, or [ugoa]*[-+=][rwxXst]*.\n"},
    {"chown", chown_main,
     "chown [-R] OWNER[:GROUP] FILE...\nChange file owner and group (names or numbers).\n"},
    {"clear", clear_main, "clear\nClear the terminal screen.\n"},
    {"cp", cp_main,
     "cp [-r] [-p] [-f] SOURCE DEST\n  or: cp [-r] [-p] [-f] SOURCE... DIRECTORY\nCopy files; -r copies "
     "directories recursively, -p keeps mode, owner and times.\n"},
    {"date", date_main, "date [-u] [+FORMAT]\nPrint the date and time, in strftime FORMAT if given.\n"},
    {"df", df_main, "df [-h] [FILE]...\nShow file system usage for each mount (from /proc/mounts).\n"},
    {"dmesg", dmesg_main, "dmesg\nPrint the kernel log (from /dev/kmsg).\n"},
    {"du", du_main, "du [-s] [-h] [-a] [FILE]...\nEstimate disk usage, in 1K blocks.\n"},
    {"echo", echo_main,
     "echo [-n] [-e] [STRING]...\nPrint the STRINGs separated by spaces; -n: no newline, -e: "
     "interpret backslash escapes.\n"},
    {"env", env_main,
     "env [-i] [-u NAME] [NAME=VALUE]... [COMMAND [ARG]...]\nRun COMMAND in a modified "
     "environment, or print the environment.\n"},
    {"false", false__main, "false\nExit with status 1.\n"},
    {"find", find_main,
     "find [PATH]... [EXPRESSION]\nWalk directory trees. Tests: -name PATTERN, -type [fdlcbps], "
     "-maxdepth N, -mindepth N; actions: -print, -exec COMMAND {} ; (default -print). ! and -o combine.\n"},
    {"free", free_main, "free [-h]\nShow memory use (from /proc/meminfo), in KiB.\n"},
    {"grep", grep_main,
     "grep [-i] [-v] [-n] [-c] [-l] [-q] [-r] [-E] [-F] [-e PATTERN] PATTERN [FILE]...\nPrint lines matching "
     "a "
     "POSIX regular expression (basic, or extended with -E). Exit 0 if a line matched, 1 if none, 2 on "
     "error.\n"},
    {"halt", halt_main,
     "halt [-d DELAY] [-n] [-f]\nHalt the machine: signal init (SIGUSR1), which stops every process;\n"
     "-f: sync and call reboot(2) at once; -n: no sync; -d: wait DELAY seconds first.\n"},
    {"head", head_main, "head [-n LINES] [-c BYTES] [FILE]...\nPrint the first 10 lines of each FILE.\n"},
    {"hexdump", hexdump_main,
     "hexdump [-C] [FILE]...\nDisplay file contents in hexadecimal (-C: canonical "
     "hex+ASCII).\n"},
    {"insmod", insmod_main,
     "insmod FILE [PARAMETERS]...\nLoad the kernel module FILE, handing it PARAMETERS joined by spaces.\n"},
    {"kill", kill_main, "kill [-SIGNAL | -s SIGNAL] PID...\n  or: kill -l\nSend a signal (default TERM).\n"},
    {"ln", ln_main,
     "ln [-s] [-f] TARGET LINK_NAME\n  or: ln [-s] [-f] TARGET... DIRECTORY\nMake hard links, or "
     "symbolic links with -s.\n"},
    {"ls", ls_main,
     "ls [-l] [-a] [-A] [-h] [-R] [-d] [-1] [-t] [-S] [-r] [--color[=WHEN]] [FILE]...\nList directory "
     "contents, "
     "sorted by name (-t: newest first, -S: largest first, -r: reversed); columns and colour on a "
     "terminal.\n"},
    {"lsmod", lsmod_main, "lsmod\nList the loaded kernel modules (from /proc/modules).\n"},
    {"lspci", lspci_main,
     "lspci [-n[n]] [-v] [-k] [-D] [-s [[DOMAIN:]BUS:][DEV][.[FN]]] [-d [VENDOR]:[DEVICE][:CLASS]] [-i "
     "FILE]\n"
     "List the PCI functions of /sys/bus/pci (-O sysfs.path=DIR: another tree) as pciutils does, named\n"
     "from /usr/share/misc/pci.ids.compact (-i: another file); -n numbers, -nn both, -v details,\n"
     "-k kernel drivers, -D always the domain.\n"},
    {"mkdir", mkdir_main,
     "mkdir [-p] [-m MODE] DIRECTORY...\nCreate directories; -p: parents as needed, no "
     "error if existing.\n"},
    {"modinfo", modinfo_main,
     "modinfo [-F FIELD] MODULE...\nShow what a module file says about itself; a bare NAME is "
     "/lib/modules/NAME.ko.\n"},
    {"mount", mount_main,
     "mount [-t TYPE] [-o OPTIONS] SOURCE TARGET\n  or: mount\nMount a file system, or list "
     "the mounts.\n"},
    {"mv", mv_main, "mv [-f] SOURCE DEST\n  or: mv [-f] SOURCE... DIRECTORY\nRename or move files.\n"},
    {"nice", nice_main,
     "nice [-n N] [COMMAND [ARG]...]\nRun COMMAND with its niceness raised by N (default 10), or print the "
     "current niceness.\n"},
    {"poweroff", poweroff_main,
     "poweroff [-d DELAY] [-n] [-f]\nPower the machine off: signal init (SIGUSR2), which stops every "
     "process;\n-f: sync and call reboot(2) at once; -n: no sync; -d: wait DELAY seconds first.\n"},
    {"ps", ps_main, "ps\nList processes (from /proc): PID, TTY, TIME, CMD.\n"},
    {"pwd", pwd_main, "pwd\nPrint the current working directory.\n"},
    {"reboot", reboot_main,
     "reboot [-d DELAY] [-n] [-f]\nRestart the machine: signal init (SIGTERM), which stops every process;\n"
     "-f: sync and call reboot(2) at once; -n: no sync; -d: wait DELAY seconds first.\n"},
    {"rm", rm_main,
     "rm [-r] [-f] FILE...\nRemove files; -r: directories and their contents, -f: ignore missing "
     "files.\n"},
    {"rmmod", rmmod_main,
     "rmmod MODULE...\nRemove loaded kernel modules (a file name's .ko and directory are dropped).\n"},
    {"rmdir", rmdir_main, "rmdir [-p] DIRECTORY...\nRemove empty directories.\n"},
    {"seq", seq_main, "seq [-s SEP] [-w] [FIRST [INCREMENT]] LAST\nPrint numbers from FIRST to LAST.\n"},
    {"sleep", sleep_main, "sleep NUMBER[smhd]...\nPause for the sum of the NUMBERs (fractions allowed).\n"},
    {"sort", sort_main,
     "sort [-n] [-r] [-u] [-k KEY]... [-t SEP] [-o FILE] [FILE]...\nSort lines (byte order, or numeric with "
     "-n); KEY is F[.C][,F[.C]][nr].\n"},
    {"stat", stat_main, "stat [-L] [-c FORMAT] FILE...\nShow file status.\n"},
    {"tail", tail_main,
     "tail [-n [+]LINES] [-c [+]BYTES] [FILE]...\nPrint the last 10 lines of each FILE.\n"},
    {"tee", tee_main,
     "tee [-a] [FILE]...\nCopy standard input to standard output and to FILEs (-a: append).\n"},
    {"test", test_main,
     "test EXPRESSION\nEvaluate EXPRESSION: -e -f -d -r -w -x -s -L -z -n FILE/STRING, = != "
     "-eq -ne -lt -le -gt -ge, ! -a -o ( ).\n"},
    {"touch", touch_main,
     "touch [-c] [-d DATE | -t STAMP] FILE...\nUpdate times, creating missing files. DATE is "
     "YYYY-MM-DD[ HH:MM[:SS]] or @SECONDS.\n"},
    {"true", true__main, "true\nExit with status 0.\n"},
    {"umount", umount_main, "umount TARGET...\nUnmount file systems.\n"},
    {"uname", uname_main, "uname [-asnrvm]\nPrint system information (default -s).\n"},
    {"uniq", uniq_main, "uniq [-c] [-d] [-u] [-i] [INPUT [OUTPUT]]\nDrop repeated adjacent lines.\n"},
    {"uptime", uptime_main, "uptime\nShow the time, how long the system has run and the load averages.\n"},
    {"wc", wc_main, "wc [-l] [-w] [-c] [-m] [FILE]...\nCount lines, words and bytes.\n"},
    {"xargs", xargs_main,
     "xargs [-n MAX] [-0] [-r] [COMMAND [ARG]...]\nRun COMMAND (default echo) with "
     "arguments read from standard input.\n"},
    {"yes", yes_main, "yes [STRING]...\nPrint STRING (default y) forever.\n"},
};

const Utility* g_current = nullptr;

const Utility* find_utility(const char* name) {
    for (const Utility& utility : utilities)
        if (strcmp(utility.name, name) == 0)
            return &utility;
    return nullptr;
}

int list_utilities() {
    printf(
        "Usage: toolbox UTILITY [ARGUMENT]...\n  or: UTILITY [ARGUMENT]... (through a link named UTILITY)\n"
        "Utilities:");
    for (const Utility& utility : utilities)
        printf(" %s", utility.name);
    printf("\n");
    return 0;
}

} // namespace

const Utility& current_utility() {
    return *g_current;
}

void exit_with_help() {
    printf("Usage: %s", g_current->usage);
    exit(fflush(stdout) == 0 ? 0 : 1);
}

void exit_with_usage_error(int status) {
    exit(status);
}

bool copy_to_stdout(int input) {
    fflush(stdout);
    char buffer[16384];
    for (;;) {
        ssize_t count = read(input, buffer, sizeof(buffer));
        if (count == 0)
            return true;
        if (count < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        for (ssize_t done = 0; done < count;) {
            ssize_t written = write(1, buffer + done, static_cast<size_t>(count - done));
            if (written < 0) {
                if (errno == EINTR)
                    continue;
                return false;
            }
            done += written;
        }
    }
}

bool read_all(const char* path, char*& data, size_t& size) {
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
    if (fd < 0)
        return false;
    size_t capacity = 65536;
    data = static_cast<char*>(malloc(capacity));
    size = 0;
    for (;;) {
        if (size == capacity) {
            capacity *= 2;
            data = static_cast<char*>(realloc(data, capacity));
        }
        if (data == nullptr)
            fatal("memory exhausted");
        ssize_t count = read(fd, data + size, capacity - size);
        if (count == 0)
            break;
        if (count < 0) {
            if (errno == EINTR)
                continue;
            int saved = errno;
            if (fd != 0)
                close(fd);
            free(data);
            errno = saved;
            return false;
        }
        size += static_cast<size_t>(count);
    }
    if (fd != 0)
        close(fd);
    return true;
}

bool parse_count(const char* text, unsigned long long& value) {
    if (*text < '0' || *text > '9')
        return false;
    errno = 0;
    char* end = nullptr;
    value = strtoull(text, &end, 10);
    return errno == 0 && *end == '\0';
}

} // namespace toolbox

int main(int argc, char** argv) {
    using namespace toolbox;
    char name[NAME_MAX + 1];
    base_name(argc > 0 ? argv[0] : "toolbox", name, sizeof(name));
    const Utility* utility = find_utility(name);
    if (utility == nullptr) {
        // Called as "toolbox UTILITY ...": the utility's own argv[0] is its name.
        if (argc < 2 || strcmp(argv[1], "--help") == 0)
            return list_utilities();
        utility = find_utility(argv[1]);
        if (utility == nullptr) {
            fprintf(stderr, "toolbox: %s: no such utility\n", argv[1]);
            return 127;
        }
        ++argv;
        --argc;
    }
    g_current = utility;
    set_program_name(utility->name);
    int status = utility->main(argc, argv);
    // Output that could not be written is an error, as in GNU (e.g. a full disk).
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno != EPIPE)
            error_errno(errno, "write error");
        return status == 0 ? 1 : status;
    }
    return status;
}
