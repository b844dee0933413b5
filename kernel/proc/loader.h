// Starting a static x86-64 Linux program: map what elf::ProgramImage says into a fresh address space,
// build the System V start-up stack (argc, argv, envp, auxv) and run it in a new task in ring 3.
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/string_view.h"
#include "sched/task.h"

#include <cstddef>

namespace proc {

struct ProgramArguments {
    const ktl::StringView* argv = nullptr;
    size_t argc = 0;
    const ktl::StringView* envp = nullptr;
    size_t envc = 0;
};

// `file` is read only while loading. ENOEXEC/EACCES/ENOTSUP from the ELF checks (logged with the
// reason), NoMemory, E2BIG for arguments that do not fit the start-up stack.
ktl::ErrorOr<sched::TaskHandle> spawn_program(ktl::StringView name, ktl::ByteReader file,
                                              const ProgramArguments& arguments);

} // namespace proc
