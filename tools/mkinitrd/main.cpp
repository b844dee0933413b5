// mkinitrd --output=FILE DIR: packs a directory tree into the newc initrd the kernel boots with.
// Everything but the printing is in pack_directory.cpp, shared with the runner and the tests.
#include "pack_directory.h"

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string out, err;
    int status = mkinitrd::run_mkinitrd(args, out, err);
    std::fputs(out.c_str(), stdout);
    std::fputs(err.c_str(), stderr);
    return status;
}
