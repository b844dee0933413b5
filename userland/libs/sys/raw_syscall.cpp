// System detection for the `int $0x80` entry (see raw_syscall.h).
#include "sys/raw_syscall.h"

#include <cstring>
#include <sys/utsname.h>

namespace sys {

System detect_system() {
    utsname name{};
    if (uname(&name) != 0)
        return System::Unknown;
    if (strcmp(name.sysname, "blog_os") == 0)
        return System::BlogOs;
    if (strcmp(name.sysname, "Linux") == 0)
        return System::Linux;
    return System::Unknown;
}

const char* system_name(System system) {
    switch (system) {
    case System::BlogOs:
        return "blog_os";
    case System::Linux:
        return "Linux";
    case System::Unknown:
        break;
    }
    return "unknown";
}

long int80_getpid_number(System system) {
    switch (system) {
    case System::BlogOs:
        return SYS_getpid; // 39: blog_os's int 0x80 uses the 64-bit table
    case System::Linux:
        return 20; // __NR_getpid in the i386 table
    case System::Unknown:
        break;
    }
    return -1;
}

} // namespace sys
