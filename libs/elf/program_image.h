// What to map for a user program: the program headers of a static x86-64 ELF (ET_EXEC, or ET_DYN
// static-PIE) checked as hostile input and turned into page-aligned mappings, the auxv facts
// (AT_PHDR/AT_PHENT/AT_PHNUM/AT_ENTRY), TLS, stack flags, brk start and the RELATIVE relocations.
// Pure computation: the kernel's loader allocates and maps pages from this description.
//
// Page rule: two PT_LOADs may never claim the same byte, but they may share a boundary page (the end of
// one and the start of the next in one 4 KiB page). Such a page becomes a mapping of its own with the
// union of both permissions (refused if that is W+X), provided its contents are one file copy: both
// segments map the file with the same offset-to-address delta and the first has no zero-filled tail
// inside the page (unclaimed bytes between the two then come from the file, as with Linux's mmap).
// gcc/ld, musl-gcc and clang/lld never produce shared pages (each segment starts on a fresh page), so
// the rule only admits hand-made or old layouts whose meaning is unambiguous.
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/fixed_vector.h"

#include <cstddef>
#include <cstdint>

namespace elf {

constexpr uint64_t program_page_size = 4096;

// Caller's choices: where user space lies and, for a static-PIE, where to put it.
struct LoadOptions {
    uint64_t user_min = 0x10000;            // lowest address a mapping may use
    uint64_t user_max = 0x0000800000000000; // exclusive; the end of the lower canonical half
    uint64_t pie_bias = 0x0000555555554000; // page aligned; ignored for ET_EXEC
};

// Why parse() refused, for the kernel log: a static string and the program header involved (-1: none).
struct ProgramDiagnostic {
    const char* reason = nullptr;
    int header_index = -1;
};

// [virtual_start, virtual_end) is zero-filled pages, then file[file_offset, file_offset + file_bytes)
// is copied to copy_start. Addresses include the load bias. copy_start is usually not page aligned (the
// segment's own offset in its first page); file bytes never extend past the mapping, nor past the file.
struct Mapping {
    uint64_t virtual_start = 0; // page aligned
    uint64_t virtual_end = 0;   // page aligned, > virtual_start
    uint64_t copy_start = 0;    // virtual_start <= copy_start; copy_start + file_bytes <= virtual_end
    uint64_t file_offset = 0;
    uint64_t file_bytes = 0; // 0: all zero (bss only)
    bool readable = false, writable = false, executable = false;

    // Bytes zeroed after the copied ones (the .bss tail) up to virtual_end.
    uint64_t zero_fill() const { return virtual_end - copy_start - file_bytes; }
};

struct ThreadLocalTemplate {
    uint64_t address = 0; // biased vaddr of the initialisation image (inside a PT_LOAD's file bytes)
    uint64_t file_size = 0, memory_size = 0, alignment = 1;
};

class ProgramImage {
public:
    enum class Type { Executable, StaticPie };
    static constexpr size_t max_program_headers = 64;
    static constexpr size_t max_load_segments = 16;
    static constexpr size_t max_mappings = 2 * max_load_segments; // a shared page splits a segment

    // ENOEXEC for anything that is not a loadable static x86-64 program (including PT_INTERP: it needs an
    // interpreter), EACCES for a W+X page, ENOTSUP for DT_REL/DT_RELR or a relocation type other than
    // NONE/RELATIVE/IRELATIVE, EINVAL for unusable options. `file` must outlive the image (relocations
    // are read from it by apply_relocations).
    static ktl::ErrorOr<ProgramImage> parse(ktl::ByteReader file, const LoadOptions& options,
                                            ProgramDiagnostic* diagnostic = nullptr);

    Type type() const { return m_type; }
    uint64_t load_bias() const { return m_bias; }
    uint64_t entry() const { return m_entry; }
    // Sorted by address, pairwise disjoint, page aligned, inside [user_min, user_max), never W+X.
    const ktl::FixedVector<Mapping, max_mappings>& mappings() const { return m_mappings; }
    uint64_t image_end() const { return m_image_end; }           // highest virtual_end: brk starts here
    uint64_t load_alignment() const { return m_load_alignment; } // largest PT_LOAD p_align (>= 4096)

    uint64_t program_headers_address() const { return m_phdr_address; } // AT_PHDR, always mapped
    uint16_t program_header_size() const { return 56; }                 // AT_PHENT
    uint16_t program_header_count() const { return m_phdr_count; }      // AT_PHNUM

    bool has_tls() const { return m_has_tls; }
    const ThreadLocalTemplate& tls() const { return m_tls; }
    bool wants_executable_stack() const { return m_executable_stack; } // PT_GNU_STACK PF_X; absent: no

    size_t relative_relocation_count() const { return m_relative_count; }
    size_t irelative_relocation_count() const { return m_irelative_count; }

    // For each R_X86_64_RELATIVE entry calls write_u64(bias + r_offset, bias + r_addend); every target
    // was checked at parse time to lie inside one PT_LOAD's memory. Call it after copying the file bytes
    // and BEFORE applying the final page permissions (targets may be in RELRO pages). ENOTSUP, with no
    // write done, when IRELATIVE entries exist (they need user code to run). Note: musl's rcrt1 and
    // glibc's static-PIE start code relocate themselves, so a loader of ordinary static-PIEs may skip
    // this; applying RELA RELATIVE twice is harmless (the value is absolute).
    template <typename WriteU64>
    ktl::ErrorOr<void> apply_relocations(WriteU64&& write_u64) const {
        return for_each_relative([](void* context, uint64_t address,
                                    uint64_t value) { (*static_cast<WriteU64*>(context))(address, value); },
                                 &write_u64);
    }

private:
    struct RelocationTable {
        uint64_t file_offset = 0, size = 0;
    };
    ktl::ErrorOr<void> for_each_relative(void (*write)(void*, uint64_t, uint64_t), void* context) const;

    ktl::ByteReader m_file;
    Type m_type = Type::Executable;
    uint64_t m_bias = 0, m_entry = 0, m_image_end = 0, m_load_alignment = program_page_size;
    ktl::FixedVector<Mapping, max_mappings> m_mappings;
    uint64_t m_phdr_address = 0;
    uint16_t m_phdr_count = 0;
    bool m_has_tls = false, m_executable_stack = false;
    ThreadLocalTemplate m_tls;
    RelocationTable m_relocation_tables[2]; // DT_RELA and DT_JMPREL
    size_t m_relative_count = 0, m_irelative_count = 0;
};

} // namespace elf
