#include "proc/loader.h"

#include "arch/cpu.h"
#include "arch/paging.h"
#include "arch/user_mode.h"
#include "console/log.h"
#include "elf/program_image.h"
#include "mm/address_space.h"
#include "mm/direct_map.h"

#include <cstring>
#include <new>

namespace proc {

namespace {

constexpr ktl::StringView log_subsystem = "proc";
constexpr uint64_t stack_top = 0x0000'7fff'ffff'f000;
constexpr uint64_t stack_size = 128 * 1024;       // mapped up front; a guard page lies below (never mapped)
constexpr uint64_t start_stack_limit = 32 * 1024; // strings, pointers and auxv together

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
};

// Writes into the new address space through the direct map: the pages are not the running task's.
class ImageWriter {
public:
    explicit ImageWriter(mm::AddressSpace& space) : m_space(space) {}
    ktl::ErrorOr<void> write(uint64_t address, const void* bytes, size_t length) {
        auto* source = static_cast<const uint8_t*>(bytes);
        while (length > 0) {
            uint64_t in_page = address % arch::page_size;
            size_t part = arch::page_size - in_page < length ? arch::page_size - in_page : length;
            arch::Translation translation = TRY(m_space.translate(address - in_page));
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

arch::PageFlags flags_for(const elf::Mapping& mapping) {
    arch::PageFlags flags = arch::PageFlags::User;
    if (mapping.writable)
        flags = flags | arch::PageFlags::Writable;
    if (mapping.executable)
        flags = flags | arch::PageFlags::Executable;
    return flags;
}

ktl::ErrorOr<void> map_image(mm::AddressSpace& space, const elf::ProgramImage& image, ktl::ByteReader file) {
    ImageWriter writer(space);
    for (const elf::Mapping& mapping : image.mappings()) {
        for (uint64_t page = mapping.virtual_start; page < mapping.virtual_end; page += arch::page_size)
            TRY(space.allocate_and_map(page, flags_for(mapping)));
        if (mapping.file_bytes > 0)
            TRY(writer.write(mapping.copy_start, file.data() + mapping.file_offset, mapping.file_bytes));
    }
    ktl::ErrorOr<void> written = {};
    TRY(image.apply_relocations([&](uint64_t address, uint64_t value) {
        if (!written.is_error())
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
    for (size_t i = 0; i < sizeof random_bytes; i += 8) {
        // Mixed cycle counts until a real entropy source exists; enough for musl's stack canary.
        uint64_t value = arch::read_cycle_counter() * 0x9e3779b97f4a7c15ull ^ (i + 1) * 0xbf58476d1ce4e5b9ull;
        memcpy(random_bytes + i, &value, 8);
    }
    uint64_t random = TRY(push_bytes(random_bytes, sizeof random_bytes));
    constexpr size_t max_strings = 256;
    if (arguments.argc > max_strings || arguments.envc > max_strings)
        return ktl::Errno::ArgumentListTooLong;
    uint64_t argv_addresses[max_strings], envp_addresses[max_strings];
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

struct StartContext {
    uint64_t entry;
    uint64_t stack_pointer;
};

void enter_program(void* argument) {
    StartContext context = *static_cast<StartContext*>(argument);
    delete static_cast<StartContext*>(argument);
    enter_user_mode(context.entry, context.stack_pointer);
}

} // namespace

ktl::ErrorOr<sched::TaskHandle> spawn_program(ktl::StringView name, ktl::ByteReader file,
                                              const ProgramArguments& arguments) {
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
        TRY(map_image(*space, image, file));
        for (uint64_t page = stack_top - stack_size; page < stack_top; page += arch::page_size)
            TRY(space->allocate_and_map(page, arch::PageFlags::User | arch::PageFlags::Writable));
        return build_start_stack(*space, image, arguments);
    }();
    auto* context =
        prepared.is_error() ? nullptr : new (std::nothrow) StartContext{image.entry(), prepared.value()};
    if (!context) {
        mm::AddressSpace::destroy(space);
        return prepared.is_error() ? prepared.error() : ktl::Error::from_errno(ktl::Errno::NoMemory);
    }
    auto task = sched::spawn(name, enter_program, context, {.address_space = space});
    if (task.is_error())
        delete context; // the address space went with the failed spawn
    return task;
}

} // namespace proc
