// Unmodified static Linux programs (musl, built by libs/elf/tests/data/program/build.sh) run in ring 3:
// loaded from their ELF, started with a System V stack, calling musl's start-up and stdio syscalls.
#include "ktl/byte_reader.h"
#include "proc/loader.h"
#include "test/ktest.h"

extern "C" const uint8_t musl_static_start[], musl_static_end[];
extern "C" const uint8_t musl_static_pie_start[], musl_static_pie_end[];
extern "C" const uint8_t musl_dynamic_start[], musl_dynamic_end[];

#define EMBED_PROGRAM(symbol, file)                                                                          \
    ".global " #symbol "_start, " #symbol "_end\n.balign 16\n" #symbol                                       \
    "_start:\n.incbin \"" BLOG_OS_TEST_PROGRAMS "/" file "\"\n" #symbol "_end:\n"
asm(".pushsection .rodata\n" EMBED_PROGRAM(musl_static, "musl_static")
        EMBED_PROGRAM(musl_static_pie, "musl_static_pie")
            EMBED_PROGRAM(musl_dynamic, "musl_dynamic") ".popsection\n");

namespace {

ktl::ByteReader bytes_of(const uint8_t* start, const uint8_t* end) {
    return ktl::ByteReader(start, static_cast<size_t>(end - start));
}

int run(const uint8_t* start, const uint8_t* end, ktl::StringView name) {
    ktl::StringView argv[] = {name};
    ktl::StringView envp[] = {"HOME=/", "TERM=linux"};
    auto task = proc::spawn_program(name, bytes_of(start, end), {argv, 1, envp, 2});
    if (task.is_error())
        return -1000 - static_cast<int>(task.error().code());
    return task.value().join();
}

} // namespace

// The program prints "hello from a static program 6 1" (TLS, relocated pointers and bss at work) and
// returns 0 from main; the end-to-end test reads the line from the serial log.
KTEST(static_program_from_musl_runs_and_exits_zero) {
    KEXPECT_EQ(run(musl_static_start, musl_static_end, "/bin/musl-static"), 0);
}

KTEST(static_pie_program_runs_at_its_bias) {
    KEXPECT_EQ(run(musl_static_pie_start, musl_static_pie_end, "/bin/musl-static-pie"), 0);
}

KTEST(dynamically_linked_program_is_refused_with_enoexec) {
    KEXPECT_EQ(run(musl_dynamic_start, musl_dynamic_end, "/bin/musl-dynamic"), -1000 - 8);
}
