// A prelinked ELF shared object that is mapped as it is, with no dynamic linker: the kernel's vDSO.
// parse() checks the file as hostile input and refuses anything whose bytes are not already its memory
// image (one read+execute PT_LOAD at address 0 covering the whole mapped part, no bss) or that would
// need a loader (relocations, initialisers, needed libraries). find_symbol() then resolves a name and
// version the way libcs do in a vDSO: through the SysV hash table's symbol count (musl reads DT_HASH
// only) and the DT_VERSYM/DT_VERDEF version records.
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace elf {

// Why parse() refused, for the log: a static string.
struct SharedObjectDiagnostic {
    const char* reason = nullptr;
};

class SharedObject {
public:
    // ENOEXEC for anything that is not an x86-64 ET_DYN with the layout above; ENOTSUP for what would
    // need a dynamic linker. `file` must outlive the object.
    static ktl::ErrorOr<SharedObject> parse(ktl::ByteReader file,
                                            SharedObjectDiagnostic* diagnostic = nullptr);

    // Bytes to map from the start of the file: the PT_LOAD's size (not page rounded).
    uint64_t image_size() const { return m_image_size; }
    size_t symbol_count() const { return m_symbol_count; }

    // The address (= offset from the image's start) of a defined function or object `name` of version
    // `version` (any version when the object has no version records). NoEntry if there is none.
    ktl::ErrorOr<uint64_t> find_symbol(ktl::StringView name, ktl::StringView version) const;

private:
    ktl::ErrorOr<ktl::StringView> string_at(uint64_t offset) const;
    ktl::ErrorOr<bool> has_version(uint16_t version_index, ktl::StringView version) const;

    ktl::ByteReader m_image; // the PT_LOAD's bytes: addresses are offsets into it
    uint64_t m_image_size = 0;
    uint64_t m_symbols = 0, m_strings = 0, m_strings_size = 0;
    uint64_t m_versym = 0, m_verdef = 0; // 0: absent
    uint64_t m_verdef_count = 0;
    size_t m_symbol_count = 0;
};

} // namespace elf
