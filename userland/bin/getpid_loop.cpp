// /bin/getpid-loop COUNT syscall|int80: COUNT getpid calls through one entry instruction, each
// checked against the first; a stress test for the syscall and int 0x80 entry paths.
#include "sys/raw_syscall.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
    if (argc != 3 || (strcmp(argv[2], "syscall") != 0 && strcmp(argv[2], "int80") != 0)) {
        fprintf(stderr, "usage: getpid-loop COUNT syscall|int80\n");
        return 2;
    }
    long count = strtol(argv[1], nullptr, 10);
    bool use_int80 = strcmp(argv[2], "int80") == 0;
    long int80_number = -1;
    if (use_int80) {
        sys::System system = sys::detect_system();
        int80_number = sys::int80_getpid_number(system);
        if (int80_number < 0) {
            fprintf(stderr, "getpid-loop: int 0x80 numbering unknown on %s\n", sys::system_name(system));
            return 1;
        }
    }
    const long expected = sys::syscall_getpid();
    for (long i = 0; i < count; ++i) {
        long pid = use_int80 ? sys::int80_getpid(int80_number) : sys::syscall_getpid();
        if (pid != expected) {
            printf("getpid-loop: call %ld via %s returned %ld, expected %ld\n", i, argv[2], pid, expected);
            return 1;
        }
    }
    printf("getpid-loop: %ld calls via %s ok\n", count, argv[2]);
    return 0;
}
