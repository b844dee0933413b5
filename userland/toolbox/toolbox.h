// The utilities of the multi-call binary /bin/toolbox (main.cpp dispatches on argv[0]): one
// `int NAME_main(int argc, char** argv)` each, grouped by subject in the .cpp files, plus the few
// helpers they all use on top of libs/toolbox.
#pragma once

#include "toolbox/options.h"
#include "toolbox/program.h"

#include <cstdio>

namespace toolbox {

// One utility: its name in /bin, its entry point, and its --help text (after "Usage: ").
struct Utility {
    const char* name;
    int (*main)(int argc, char** argv);
    const char* usage;
};

// The Utility whose main is running, for --help and usage errors.
const Utility& current_utility();

// --help: "Usage: <usage>" on stdout, exit 0. A usage error: exit `status` (already reported).
[[noreturn]] void exit_with_help();
[[noreturn]] void exit_with_usage_error(int status = 1);

// Handles the two codes every option loop shares; returns for any other code.
inline void handle_common_option(int code, int usage_status = 1) {
    if (code == OptionParser::help)
        exit_with_help();
    if (code == OptionParser::invalid)
        exit_with_usage_error(usage_status);
}

// Copies everything from `input` to stdout; false (errno set) on a read error.
bool copy_to_stdout(int input);

// Reads a whole file (or stdin for "-") into a malloc'd buffer; false (errno set) on error.
bool read_all(const char* path, char*& data, size_t& size);

// Parses a non-negative decimal count; false when `text` is not one.
bool parse_count(const char* text, unsigned long long& value);

#define TOOLBOX_UTILITIES(X)                                                                                 \
    X(cat)                                                                                                   \
    X(chmod) X(chown) X(clear) X(cp) X(date) X(df) X(dmesg) X(du) X(echo) X(env) X(false_) X(find) X(free)   \
        X(grep) X(head) X(hexdump) X(kill) X(ln) X(ls) X(mkdir) X(mount) X(mv) X(poweroff) X(ps) X(pwd)      \
            X(reboot) X(rm) X(rmdir) X(seq) X(sleep) X(sort) X(stat) X(tail) X(tee) X(test) X(touch)         \
                X(true_) X(umount) X(uname) X(uniq) X(uptime) X(wc) X(xargs) X(yes)

#define TOOLBOX_DECLARE(name) int name##_main(int argc, char** argv);
TOOLBOX_UTILITIES(TOOLBOX_DECLARE)
#undef TOOLBOX_DECLARE

} // namespace toolbox
