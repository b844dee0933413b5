// Loading a static x86-64 Linux program: map what elf::ProgramImage says into a fresh address space
// and build the System V start-up stack (argc, argv, envp, auxv). proc/process.h runs it.
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/string_view.h"
#include "mm/address_space.h"

#include <cstddef>

namespace proc {

struct ProgramArguments {
    const ktl::StringView* argv = nullptr;
    size_t argc = 0;
    const ktl::StringView* envp = nullptr;
    size_t envc = 0;
};

// A program mapped into a fresh address space with its start-up stack built, not yet running.
struct LoadedProgram {
    mm::AddressSpace* address_space = nullptr; // one reference, the caller's
    uint64_t entry = 0;
    uint64_t stack_pointer = 0;
    uint64_t image_end = 0; // page aligned: the program break starts here
    uint64_t load_bias = 0; // 0 for ET_EXEC: what was added to the file's addresses
};

// Strings and their pointers together: Linux's ARG_MAX for an 8 MiB stack (a quarter of it).
inline constexpr size_t max_argument_bytes = 2 * 1024 * 1024;
inline constexpr size_t max_argument_strings = max_argument_bytes / 8;

// `file` is read only while loading. ENOEXEC/EACCES/ENOTSUP from the ELF checks (logged with the
// reason), NoMemory, E2BIG for arguments that do not fit the start-up stack. `shareable`: `file`
// lives as long as the kernel, so its read-only pages may be shared between runs.
ktl::ErrorOr<LoadedProgram> load_program(ktl::StringView name, ktl::ByteReader file,
                                         const ProgramArguments& arguments, bool shareable = false);

} // namespace proc
