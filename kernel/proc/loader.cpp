#include "proc/loader.h"

#include "arch/cpu.h"
#include "arch/paging.h"
#include "arch/user_mode.h"
#include "console/log.h"
#include "elf/program_image.h"
#include "mm/address_space.h"
#include "mm/direct_map.h"
#include "mm/kernel_heap.h"
#include "proc/shared_pages.h"
#include "random/random.h"
#include "vdso/vdso.h"

#include <cstring>
#include <new>

namespace proc {

namespace {

constexpr ktl::StringView log_subsystem = "proc";
constexpr uint64_t stack_top = 0x0000'7fff'ffff'f000;
constexpr uint64_t stack_size = 8 * 1024 * 1024; // RLIMIT_STACK; demand paged, a guard page below
// The strings and pointers, AT_EXECFN's copy of argv[0] (up to MAX_ARG_STRLEN) and auxv.
constexpr uint64_t start_stack_limit = max_argument_bytes + 32 * 4096 + 8192;

// Auxiliary vector types (Linux's include/uapi/linux/auxvec.h).
enum : uint64_t {
    at_null = 0,
    at_phdr = 3,
    at_phent = 4,
    at_phnum = 5,
    at_pagesz = 6,
    at_base = 7,
    at_flags = 8,
    at_entry = 9,
    at_uid = 11,
    at_euid = 12,
    at_gid = 13,
    at_egid = 14,
    at_platform = 15,
    at_hwcap = 16,
    at_clktck = 17,
    at_secure = 23,
    at_random = 25,
    at_execfn = 31,
    at_sysinfo_ehdr = 33,
};
static_assert(vdso::window_start + vdso::window_size == stack_top - stack_size - arch::page_size,
              "the vDSO window sits directly under the stack's guard page");

// Writes into the new address space through the direct map: the pages are not the running task's.
class ImageWriter {
public:
    explicit ImageWriter(mm::AddressSpace& space) : m_space(space) {}
    ktl::ErrorOr<void> write(uint64_t address, const void* bytes, size_t length) {
        auto* source = static_cast<const uint8_t*>(bytes);
        while (length > 0) {
            uint64_t in_page = address % arch::page_size;
            size_t part = arch::page_size - in_page < length ? arch::page_size - in_page : length;
            auto translated = m_space.translate(address - in_page);
            if (translated.is_error() && address >= stack_top - stack_size && address < stack_top) {
                // A stack page: the stack region is demand paged, the start-up stack is written now.
                TRY(m_space.allocate_and_map(address - in_page,
                                             arch::PageFlags::User | arch::PageFlags::Writable));
                translated = m_space.translate(address - in_page);
            }
            arch::Translation translation = TRY(translated);
            memcpy(mm::physical_to_virtual<uint8_t>(translation.physical) + in_page, source, part);
            address += part;
            source += part;
            length -= part;
        }
        return {};
    }

private:
    mm::AddressSpace& m_space;
};

mm::Protection protection_for(const elf::Mapping& mapping) {
    mm::Protection protection = mm::Protection::Read;
    if (mapping.writable)
        protection = protection | mm::Protection::Write;
    if (mapping.executable)
        protection = protection | mm::Protection::Execute;
    return protection;
}

ktl::ErrorOr<void> map_image(mm::AddressSpace& space, const elf::ProgramImage& image, ktl::ByteReader file,
                             bool shareable) {
    ImageWriter writer(space);
    // Relocations write into the image, so a relocated program gets private copies throughout.
    bool can_share =
        shareable && image.relative_relocation_count() == 0 && image.irelative_relocation_count() == 0;
    for (const elf::Mapping& mapping : image.mappings()) {
        // Present from the start; a page munmap'ed and touched again is gone, as on Linux.
        TRY(space.add_region(
            mapping.virtual_start, mapping.virtual_end - mapping.virtual_start,
            {protection_for(mapping), mm::RegionKind::ProgramImage, mm::RegionFlags::None, 0}));
        arch::PageFlags flags = mm::AddressSpace::page_flags_for(protection_for(mapping));
        if (can_share && !mapping.writable) {
            // Pages with file bytes are shared; a zero-filled tail gets fresh frames, so that no run
            // pins memory that holds nothing of the file.
            uint64_t copy_end = mapping.copy_start + mapping.file_bytes;
            for (uint64_t page = mapping.virtual_start; page < mapping.virtual_end; page += arch::page_size) {
                if (page + arch::page_size > mapping.copy_start && page < copy_end)
                    TRY(space.map_shared(page, TRY(shared_program_page(file, mapping, page)), flags));
                else
                    TRY(space.allocate_and_map(page, flags));
            }
            continue;
        }
        for (uint64_t page = mapping.virtual_start; page < mapping.virtual_end; page += arch::page_size)
            TRY(space.allocate_and_map(page, flags));
        if (mapping.file_bytes > 0)
            TRY(writer.write(mapping.copy_start, file.data() + mapping.file_offset, mapping.file_bytes));
    }
    ktl::ErrorOr<void> written = {};
    TRY(image.apply_relocations([&](uint64_t address, uint64_t value) {
        if (written.is_error())
            return;
        // The loader never writes into memory the program may not write: a relocation aimed at
        // text or read-only data is a malformed (or hostile) program, refused whole.
        bool in_writable_segment = false;
        for (const elf::Mapping& mapping : image.mappings()) {
            if (mapping.writable && address >= mapping.virtual_start && address <= mapping.virtual_end &&
                mapping.virtual_end - address >= sizeof value)
                in_writable_segment = true;
        }
        if (!in_writable_segment) {
            klog::warn(log_subsystem,
                       "refusing a program: a relocation at {:#x} is not in a writable segment", address);
            written = ktl::Error::from_errno(ktl::Errno::ExecFormat);
            return;
        }
        written = writer.write(address, &value, sizeof value);
    }));
    return written;
}

// The System V start-up stack, from the top: the strings and the random bytes, then (16-byte aligned)
// argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.
ktl::ErrorOr<uint64_t> build_start_stack(mm::AddressSpace& space, const elf::ProgramImage& image,
                                         const ProgramArguments& arguments) {
    ImageWriter writer(space);
    uint64_t cursor = stack_top;
    auto push_bytes = [&](const void* bytes, size_t length) -> ktl::ErrorOr<uint64_t> {
        if (stack_top - cursor + length > start_stack_limit)
            return ktl::Errno::ArgumentListTooLong;
        cursor -= length;
        TRY(writer.write(cursor, bytes, length));
        return cursor;
    };
    auto push_string = [&](ktl::StringView text) -> ktl::ErrorOr<uint64_t> {
        char terminator = 0;
        TRY(push_bytes(&terminator, 1));
        return push_bytes(text.data(), text.length());
    };
    uint64_t execfn = TRY(push_string(arguments.argc > 0 ? arguments.argv[0] : ktl::StringView("")));
    uint64_t platform = TRY(push_string("x86_64"));
    uint8_t random_bytes[16];
    random::fill(random_bytes, sizeof random_bytes); // musl seeds its stack canary from these
    uint64_t random = TRY(push_bytes(random_bytes, sizeof random_bytes));
    if (arguments.argc + arguments.envc > max_argument_strings)
        return ktl::Errno::ArgumentListTooLong;
    // The strings' user addresses, argv's then envp's; on the heap, as there may be thousands.
    auto* string_addresses =
        static_cast<uint64_t*>(mm::kmalloc((arguments.argc + arguments.envc + 1) * sizeof(uint64_t)));
    if (!string_addresses)
        return ktl::Errno::NoMemory;
    struct Freer {
        uint64_t* pointer;
        ~Freer() { mm::kfree(pointer); }
    } freer{string_addresses};
    uint64_t* argv_addresses = string_addresses;
    uint64_t* envp_addresses = string_addresses + arguments.argc;
    for (size_t i = 0; i < arguments.argc; ++i)
        argv_addresses[i] = TRY(push_string(arguments.argv[i]));
    for (size_t i = 0; i < arguments.envc; ++i)
        envp_addresses[i] = TRY(push_string(arguments.envp[i]));

    uint64_t auxv[][2] = {
        {at_phdr, image.program_headers_address()},
        {at_phent, image.program_header_size()},
        {at_phnum, image.program_header_count()},
        {at_pagesz, arch::page_size},
        {at_base, 0},
        {at_flags, 0},
        {at_entry, image.entry()},
        {at_uid, 0},
        {at_euid, 0},
        {at_gid, 0},
        {at_egid, 0},
        {at_platform, platform},
        {at_hwcap, 0},
        {at_clktck, 100},
        {at_secure, 0},
        {at_random, random},
        {at_execfn, execfn},
        // Last before AT_NULL so that without a vDSO the pair can become a second AT_NULL.
        {vdso::available() ? at_sysinfo_ehdr : at_null, vdso::available() ? vdso::image_address : 0},
        {at_null, 0},
    };
    size_t words = 1 + arguments.argc + 1 + arguments.envc + 1 + 2 * (sizeof auxv / sizeof auxv[0]);
    uint64_t table_start = (cursor - words * 8) & ~uint64_t(15); // rsp: 16-byte aligned at argc
    if (stack_top - table_start > start_stack_limit)
        return ktl::Errno::ArgumentListTooLong;
    cursor = table_start;
    auto put = [&](uint64_t value) -> ktl::ErrorOr<void> {
        TRY(writer.write(cursor, &value, 8));
        cursor += 8;
        return {};
    };
    TRY(put(arguments.argc));
    for (size_t i = 0; i < arguments.argc; ++i)
        TRY(put(argv_addresses[i]));
    TRY(put(0));
    for (size_t i = 0; i < arguments.envc; ++i)
        TRY(put(envp_addresses[i]));
    TRY(put(0));
    for (auto& pair : auxv) {
        TRY(put(pair[0]));
        TRY(put(pair[1]));
    }
    return table_start;
}

} // namespace

ktl::ErrorOr<LoadedProgram> load_program(ktl::StringView name, ktl::ByteReader file,
                                         const ProgramArguments& arguments, bool shareable) {
    elf::ProgramDiagnostic diagnostic;
    auto parsed = elf::ProgramImage::parse(file, {}, &diagnostic);
    if (parsed.is_error()) {
        klog::warn(log_subsystem, "cannot run '{}': {} ({})", name,
                   diagnostic.reason ? diagnostic.reason : "", parsed.error().name());
        return parsed.error();
    }
    const elf::ProgramImage& image = parsed.value();
    if (image.wants_executable_stack()) {
        klog::warn(log_subsystem, "cannot run '{}': it asks for an executable stack", name);
        return ktl::Errno::AccessDenied;
    }
    mm::AddressSpace* space = TRY(mm::AddressSpace::create());
    auto prepared = [&]() -> ktl::ErrorOr<uint64_t> {
        TRY(map_image(*space, image, file, shareable));
        uint64_t stack_bottom = stack_top - stack_size;
        TRY(space->add_region(stack_bottom, stack_size,
                              {mm::Protection::Read | mm::Protection::Write, mm::RegionKind::Stack,
                               mm::RegionFlags::DemandZero, 0}));
        // The guard: a region nothing may be mapped over, whose every access faults.
        uint64_t guard = stack_bottom - arch::page_size;
        TRY(space->add_region(guard, arch::page_size,
                              {mm::Protection::None, mm::RegionKind::Stack, mm::RegionFlags::None, 1}));
        space->mmap_base = guard;
        if (vdso::available()) {
            TRY(vdso::map_into(*space));
            space->mmap_base = vdso::window_start;
        }
        return build_start_stack(*space, image, arguments);
    }();
    if (prepared.is_error()) {
        space->unref();
        return prepared.error();
    }
    return LoadedProgram{space, image.entry(), prepared.value(), image.image_end(), image.load_bias()};
}

} // namespace proc
