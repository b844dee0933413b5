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

// The utilities' entry points (true_ and false_: true and false are keywords).
int cat_main(int argc, char** argv);
int chmod_main(int argc, char** argv);
int chown_main(int argc, char** argv);
int clear_main(int argc, char** argv);
int cp_main(int argc, char** argv);
int date_main(int argc, char** argv);
int df_main(int argc, char** argv);
int dmesg_main(int argc, char** argv);
int du_main(int argc, char** argv);
int echo_main(int argc, char** argv);
int env_main(int argc, char** argv);
int false__main(int argc, char** argv);
int find_main(int argc, char** argv);
int free_main(int argc, char** argv);
int grep_main(int argc, char** argv);
int head_main(int argc, char** argv);
int hexdump_main(int argc, char** argv);
int insmod_main(int argc, char** argv);
int kill_main(int argc, char** argv);
int ln_main(int argc, char** argv);
int ls_main(int argc, char** argv);
int lsmod_main(int argc, char** argv);
int lspci_main(int argc, char** argv);
int mkdir_main(int argc, char** argv);
int modinfo_main(int argc, char** argv);
int mount_main(int argc, char** argv);
int mv_main(int argc, char** argv);
int halt_main(int argc, char** argv);
int poweroff_main(int argc, char** argv);
int ps_main(int argc, char** argv);
int pwd_main(int argc, char** argv);
int reboot_main(int argc, char** argv);
int rm_main(int argc, char** argv);
int rmdir_main(int argc, char** argv);
int rmmod_main(int argc, char** argv);
int seq_main(int argc, char** argv);
int nice_main(int argc, char** argv);
int sleep_main(int argc, char** argv);
int sort_main(int argc, char** argv);
int stat_main(int argc, char** argv);
int tail_main(int argc, char** argv);
int tee_main(int argc, char** argv);
int test_main(int argc, char** argv);
int touch_main(int argc, char** argv);
int true__main(int argc, char** argv);
int umount_main(int argc, char** argv);
int uname_main(int argc, char** argv);
int uniq_main(int argc, char** argv);
int uptime_main(int argc, char** argv);
int wc_main(int argc, char** argv);
int xargs_main(int argc, char** argv);
int yes_main(int argc, char** argv);

} // namespace toolbox
