// /bin/fault KIND: faults on purpose, to watch the kernel report the fault and kill the process.
#include "sys/faults.h"

#include <cstdio>

namespace {

void usage() {
    fprintf(stderr, "usage: fault KIND\nkinds:\n");
    for (const faults::Fault& fault : faults::all())
        fprintf(stderr, "  %-15s %s\n", fault.name, fault.description);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        usage();
        return 2;
    }
    const faults::Fault* fault = faults::find(argv[1]);
    if (fault == nullptr) {
        fprintf(stderr, "fault: unknown kind '%s'\n", argv[1]);
        usage();
        return 2;
    }
    printf("fault: about to %s\n", fault->name);
    fflush(stdout);
    fault->trigger();
    printf("fault: %s did not fault\n", fault->name);
    return 1;
}
