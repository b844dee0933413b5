// Loadable modules (docs/drivers.md): loading a .ko image (parse, lay out, link against the export
// table, check the descriptor, set page permissions, run init), the list /proc/modules shows,
// reference counts, and removal. A Module owns its memory, its tracked allocations and the devices it
// registered: removal (or a failed init) returns all of them, logging what the module leaked.
#pragma once

#include "fs/char_device.h"
#include "fs/sysfs/sysfs.h"
#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/string.h"
#include "ktl/string_builder.h"
#include "module/abi.h"
#include "module/linker.h"
#include "module/module_ref.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"

#include <cstddef>
#include <cstdint>

namespace module {

enum class State : uint8_t { Coming, Live, Going }; // /proc/modules: Loading, Live, Unloading

class ModuleCharacterDevice;

class Module {
public:
    ktl::StringView name() const { return m_name; }
    State state() const { return __atomic_load_n(&m_state, __ATOMIC_ACQUIRE); }
    // Holds from try_get (module_ref.h); -1 once removal has begun.
    long references() const { return __atomic_load_n(&m_references, __ATOMIC_RELAXED); }
    size_t size() const { return m_pages * 4096; }
    uint64_t base() const { return m_base; }
    // From the descriptor; empty without MODULE_VERSION. Inside the module's memory.
    ktl::StringView version() const { return m_version; }
    const ktl::Vector<ModuleInfo::Parameter>& declared_parameters() const { return m_declared_parameters; }
    // Where each loaded section went (/sys/module/NAME/sections, what gdb's add-symbol-file needs).
    struct LoadedSection {
        ktl::String name;
        uint64_t address = 0;
    };
    const ktl::Vector<LoadedSection>& sections() const { return m_sections; }

    // The tracked allocator behind module_allocate/module_free.
    void* allocate(size_t size, size_t alignment);
    void free(void* pointer);

    // Devices registered through module_register_character_device.
    ktl::ErrorOr<void> register_device(ktl::StringView name, uint32_t major, uint32_t minor,
                                       long (*read)(uint64_t, void*, size_t));
    void unregister_device(uint32_t major, uint32_t minor);

private:
    friend ktl::ErrorOr<void> load_module(ktl::ByteReader, ktl::StringView, ktl::StringView);
    friend ktl::ErrorOr<void> unload_module(ktl::StringView);
    friend bool try_get(Module*);
    friend void put(Module*);
    friend bool claim_for_removal(Module*);
    friend void write_proc_modules(ktl::StringBuilder&);
    friend class ModuleList;
    friend void release_module_devices(Module&);
    friend ktl::ErrorOr<void> add_to_sysfs(Module&);
    friend ktl::ErrorOr<void> record_sections(Module&, const ObjectFile&, const Layout&, const Areas&);
    friend void remove_from_sysfs(Module&);

    struct Allocation {
        Allocation* next;
        Allocation* previous;
        Module* owner;
        size_t size;
        uint32_t magic;
        uint32_t offset; // from the kmalloc'd block to the module's pointer
    };
    struct Allocations {
        Allocation* first = nullptr;
        size_t count = 0;
        size_t bytes = 0;
    };

    // Everything a module holds goes back: devices, allocations, memory. Runs with no holds left.
    void release_everything();

    char m_name[max_name_length + 1] = {};
    State m_state = State::Coming;
    long m_references = 0;
    uint64_t m_base = 0;
    size_t m_pages = 0;
    uint64_t m_exit = 0;
    ktl::String m_parameters;
    ktl::StringView m_version;
    ktl::Vector<ModuleInfo::Parameter> m_declared_parameters;
    ktl::Vector<LoadedSection> m_sections;
    fs::sysfs::NodeRef m_sysfs; // /sys/module/NAME while listed
    Module* m_next = nullptr;   // in the module list
    sync::SpinlockProtected<Allocations, sync::IrqSpinlock> m_allocations;
    sync::MutexProtected<ktl::Vector<ModuleCharacterDevice*>> m_devices;
};

bool claim_for_removal(Module* module);
// /sys/module/NAME with Linux's attributes (module_sysfs.cpp): made before init runs, removed (once no
// reader is inside an attribute) before the module's memory goes.
ktl::ErrorOr<void> add_to_sysfs(Module& module);
// Unregisters the hardware RNG sources a module left registered (hwrng_module_api.cpp).
void release_module_rng_sources(Module* module);
void remove_from_sysfs(Module& module);
// Unregisters the devices a module left registered (exports.cpp), before its memory goes.
void release_module_devices(Module& module);

// Loads `image` (copied already: the caller's buffer) with `parameters` handed to init. `source`
// names it in the log ("/lib/modules/hello.ko"). ExecFormat/NoEntry/InvalidArgument for a refused
// image (the reason in the kernel log), Exists when a module of that name is loaded, init's error
// when it fails (the module is then removed whole).
ktl::ErrorOr<void> load_module(ktl::ByteReader image, ktl::StringView parameters, ktl::StringView source);
// NoEntry for no such module; TryAgain (EWOULDBLOCK) while in use; Busy while loading or being
// removed, or when it has no exit function (Linux's delete_module(2) errors).
ktl::ErrorOr<void> unload_module(ktl::StringView name);
// /proc/modules: "name size refcount deps state address" per module, newest first, as Linux.
void write_proc_modules(ktl::StringBuilder& out);
size_t loaded_module_count();

} // namespace module
