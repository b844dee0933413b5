// Linking a parsed module into memory: plan() places every SHF_ALLOC section into one of three
// areas (text R+X, read-only R, data and bss R+W) plus a small GOT in the read-only area for the
// GOTPCREL relocations; link() copies the bytes, resolves undefined symbols ONLY through the
// caller's resolver (the kernel's export table), and applies the relocations, range-checking every
// 32-bit one. read_descriptor() then finds and checks the module's descriptor in the linked image.
// The memory is given as (where to write, where it will run), so host tests link at kernel addresses.
#pragma once

#include "ktl/function_ref.h"
#include "ktl/vector.h"
#include "module/abi.h"
#include "module/object_file.h"

namespace module {

enum class Area : uint8_t { Text, ReadOnly, Data };
inline constexpr size_t area_count = 3;

struct Placement {
    bool placed = false; // only SHF_ALLOC sections are
    Area area = Area::Text;
    uint64_t offset = 0;
};

struct Layout {
    static ktl::ErrorOr<Layout> plan(const ObjectFile& object, Diagnostic& diagnostic);

    uint64_t area_size[area_count] = {};
    ktl::Vector<Placement> sections; // one per section
    ktl::Vector<uint32_t> got_slots; // one per symbol: its GOT slot, or no_slot
    uint64_t got_offset = 0;         // in the read-only area
    static constexpr uint32_t no_slot = 0xffffffff;
};

struct AreaMemory {
    uint8_t* bytes = nullptr; // at least the area's size, writable now
    uint64_t address = 0;     // where the area will be when the module runs
};
using Areas = AreaMemory[area_count];

class SymbolResolver {
public:
    // The address of an exported symbol; false when the kernel exports no such name.
    virtual bool resolve(ktl::StringView name, uint64_t& address) = 0;

protected:
    ~SymbolResolver() = default;
};

ktl::ErrorOr<void> link(const ObjectFile& object, const Layout& layout, const Areas& areas,
                        SymbolResolver& resolver, Diagnostic& diagnostic);

// What the descriptor says, checked: strings end inside the module's read-only or data area,
// functions point into its text, `self` is an aligned slot in its data, each parameter names a
// distinct valid name and a variable of its kind's size in its data.
struct ModuleInfo {
    ktl::StringView name, version, description, author, license; // inside the written memory
    uint64_t init = 0, exit = 0;
    uint64_t* self = nullptr;           // in the written memory
    ktl::Vector<uint64_t> constructors; // .init_array's entries, in order
    struct Parameter {
        ktl::StringView name; // inside the written memory
        ParameterKind kind;
        uint32_t size;
        uint8_t* variable; // in the written data area, `size` bytes
    };
    ktl::Vector<Parameter> parameters; // .blog_os.parameters' records, checked
};

// ExecFormat with a message for a missing or malformed descriptor, InvalidArgument for one built
// for another kernel API version.
ktl::ErrorOr<ModuleInfo> read_descriptor(const ObjectFile& object, const Layout& layout, const Areas& areas,
                                         Diagnostic& diagnostic);

// Calls visit(key, value) for each "key=value" string of .modinfo, in order; a file without
// .modinfo has none. ExecFormat for a string that runs off the section's end.
ktl::ErrorOr<void> for_each_modinfo(const ObjectFile& object,
                                    ktl::FunctionRef<void(ktl::StringView key, ktl::StringView value)> visit,
                                    Diagnostic& diagnostic);

} // namespace module
