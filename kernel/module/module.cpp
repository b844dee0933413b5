#include "module/module.h"

#include "bus/pci_bus.h"
#include "bus/virtio/virtio_pci.h"
#include "console/log.h"
#include "mm/kernel_heap.h"
#include "module/export.h"
#include "module/linker.h"
#include "module/module_memory.h"
#include "module/parameters.h"
#include "sched/scheduler.h"

#include <cstring>
#include <new>

namespace module {

namespace {

constexpr uint64_t page_size = 4096;

uint64_t pages_for(uint64_t bytes) {
    return (bytes + page_size - 1) / page_size;
}

// Loads and removals take turns (Linux's module_mutex): the name check and the insertion are one step,
// and an init never races its module's removal.
constinit sync::Mutex loading;

struct List {
    Module* first = nullptr;
    size_t count = 0;
};

class ExportResolver final : public SymbolResolver {
public:
    bool resolve(ktl::StringView name, uint64_t& address) override { return find_export(name, address); }
};

} // namespace

class ModuleList {
public:
    static sync::SpinlockProtected<List>& list() {
        static constinit sync::SpinlockProtected<List> modules;
        return modules;
    }
    static Module* find(ktl::StringView name) {
        return list().with([&](List& state) -> Module* {
            for (Module* module = state.first; module; module = module->m_next)
                if (module->name() == name)
                    return module;
            return nullptr;
        });
    }
    static void add(Module* module) {
        list().with([&](List& state) {
            module->m_next = state.first;
            state.first = module;
            ++state.count;
        });
    }
    static void remove(Module* module) {
        list().with([&](List& state) {
            for (Module** link = &state.first; *link; link = &(*link)->m_next) {
                if (*link == module) {
                    *link = module->m_next;
                    --state.count;
                    return;
                }
            }
        });
    }
};

bool try_get(Module* module) {
    long count = __atomic_load_n(&module->m_references, __ATOMIC_RELAXED);
    do {
        if (count < 0)
            return false; // being removed
    } while (!__atomic_compare_exchange_n(&module->m_references, &count, count + 1, true, __ATOMIC_ACQUIRE,
                                          __ATOMIC_RELAXED));
    return true;
}

void put(Module* module) {
    __atomic_fetch_sub(&module->m_references, 1, __ATOMIC_RELEASE);
}

// Removal begins only with no holds: from then on try_get fails.
bool claim_for_removal(Module* module) {
    long unused = 0;
    return __atomic_compare_exchange_n(&module->m_references, &unused, -1, false, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}

namespace {

// The errno a failed init returns: Linux's convention is a negative errno.
ktl::Errno init_error(int result) {
    if (result < 0 && result > -4096)
        return static_cast<ktl::Errno>(-result);
    return ktl::Errno::InvalidArgument;
}

} // namespace

// The address of each loaded section, by name, for sysfs. Names come from the file: ones sysfs could
// not show as a file name are left out, and so are empty sections.
ktl::ErrorOr<void> record_sections(Module& module, const ObjectFile& object, const Layout& layout,
                                   const Areas& areas) {
    constexpr size_t most = 256;
    for (size_t index = 0; index < object.section_count() && module.m_sections.size() < most; ++index) {
        const Placement& placement = layout.sections[index];
        ktl::StringView name = object.section(index).name;
        if (!placement.placed || object.section(index).size == 0 || name.is_empty() || name == "." ||
            name == ".." || name.find('/') != ktl::StringView::npos || name.length() > 255)
            continue;
        Module::LoadedSection section;
        section.name = TRY(ktl::String::try_create(name));
        section.address = areas[size_t(placement.area)].address + placement.offset;
        TRY(module.m_sections.try_append(static_cast<Module::LoadedSection&&>(section)));
    }
    return {};
}

ktl::ErrorOr<void> load_module(ktl::ByteReader image, ktl::StringView parameters, ktl::StringView source) {
    Diagnostic diagnostic;
    auto refuse = [&](ktl::Error error) -> ktl::Error {
        klog::error("module", "{}: refused: {}", source, diagnostic.text());
        return error;
    };
    auto parsed = ObjectFile::parse(image, diagnostic);
    if (parsed.is_error())
        return refuse(parsed.error());
    const ObjectFile& object = parsed.value();
    auto planned = Layout::plan(object, diagnostic);
    if (planned.is_error())
        return refuse(planned.error());
    const Layout& layout = planned.value();

    uint64_t area_pages[area_count];
    uint64_t pages = 0;
    for (size_t area = 0; area < area_count; ++area) {
        area_pages[area] = pages_for(layout.area_size[area]);
        pages += area_pages[area];
    }
    auto* module = new (std::nothrow) Module;
    if (!module)
        return refuse(diagnostic.fail(ktl::Errno::NoMemory, "out of memory"));
    auto memory = allocate_module_memory(pages);
    if (memory.is_error()) {
        delete module;
        return refuse(diagnostic.fail(memory.error().code(), "no room for {} pages of module memory", pages));
    }
    module->m_base = memory.value();
    module->m_pages = pages;
    // Text, then read-only data, then data: one block, so every distance inside it is small.
    Areas areas;
    uint64_t address = module->m_base;
    for (size_t area = 0; area < area_count; ++area) {
        areas[area] = {reinterpret_cast<uint8_t*>(address), address};
        address += area_pages[area] * page_size;
    }
    // From here on a failure frees the memory and the Module; nothing of the module has run.
    auto discard = [&](ktl::Error error) -> ktl::Error {
        free_module_memory(module->m_base, module->m_pages);
        delete module;
        return refuse(error);
    };

    ExportResolver resolver;
    if (auto linked = link(object, layout, areas, resolver, diagnostic); linked.is_error())
        return discard(linked.error());
    auto described = read_descriptor(object, layout, areas, diagnostic);
    if (described.is_error())
        return discard(described.error());
    ModuleInfo& info = described.value();
    memcpy(module->m_name, info.name.data(), info.name.length());
    module->m_exit = info.exit;
    auto copied_parameters = ktl::String::try_create(parameters);
    if (copied_parameters.is_error())
        return discard(diagnostic.fail(ktl::Errno::NoMemory, "out of memory for the parameters"));
    module->m_parameters = copied_parameters.release_value();
    // Declared parameters take their words now, before any of the module runs.
    auto applied = apply_parameters(
        parameters, info.parameters,
        [&](ktl::StringView word) {
            klog::debug("module", "{}: \"{}\" names no parameter: left to init", info.name, word);
        },
        diagnostic);
    if (applied.is_error())
        return discard(applied.error());
    if (auto recorded = record_sections(*module, object, layout, areas); recorded.is_error())
        return discard(diagnostic.fail(ktl::Errno::NoMemory, "out of memory for the section list"));
    module->m_version = info.version;
    module->m_declared_parameters = static_cast<ktl::Vector<ModuleInfo::Parameter>&&>(info.parameters);
    *info.self = reinterpret_cast<uint64_t>(module);

    sync::MutexLocker locker(loading);
    if (ModuleList::find(module->name())) {
        klog::error("module", "{}: a module named {} is already loaded", source, module->name());
        free_module_memory(module->m_base, module->m_pages);
        delete module;
        return ktl::Errno::Exists;
    }
    // Final permissions before anything runs: text R+X, read-only data R, data R+W.
    constexpr size_t text = size_t(Area::Text), read_only = size_t(Area::ReadOnly);
    protect_module_memory(areas[text].address, area_pages[text], arch::PageFlags::Executable);
    protect_module_memory(areas[read_only].address, area_pages[read_only], arch::PageFlags::None);
    if (auto shown = add_to_sysfs(*module); shown.is_error()) {
        klog::error("module", "{}: no room for /sys/module/{}", source, module->name());
        free_module_memory(module->m_base, module->m_pages);
        delete module;
        return shown.error();
    }
    ModuleList::add(module); // Loading in /proc/modules and "coming" in sysfs while init runs

    for (uint64_t constructor : info.constructors)
        reinterpret_cast<void (*)()>(constructor)();
    int result = reinterpret_cast<int (*)(const char*)>(info.init)(module->m_parameters.characters());
    if (result != 0) {
        klog::error("module", "{}: init of {} failed with {}: removing it", source, module->name(), result);
        __atomic_store_n(&module->m_state, State::Going, __ATOMIC_RELEASE);
        // Nothing new reaches it; what someone already opened must be let go before its code goes.
        release_module_devices(*module);
        while (!claim_for_removal(module))
            sched::sleep_for(10'000'000);
        remove_from_sysfs(*module);
        ModuleList::remove(module);
        module->release_everything();
        return init_error(result);
    }
    __atomic_store_n(&module->m_state, State::Live, __ATOMIC_RELEASE);
    klog::debug("module", "{} loaded at {:#x}, {} pages", module->name(), module->m_base, module->m_pages);
    return {};
}

ktl::ErrorOr<void> unload_module(ktl::StringView name) {
    sync::MutexLocker locker(loading);
    Module* module = ModuleList::find(name);
    if (!module)
        return ktl::Errno::NoEntry;
    if (module->state() != State::Live || module->m_exit == 0)
        return ktl::Errno::Busy;
    if (!claim_for_removal(module))
        return ktl::Errno::TryAgain; // in use: EWOULDBLOCK, as Linux's delete_module says

    __atomic_store_n(&module->m_state, State::Going, __ATOMIC_RELEASE);
    reinterpret_cast<void (*)()>(module->m_exit)();
    remove_from_sysfs(*module);
    ModuleList::remove(module);
    klog::debug("module", "{} removed", module->name());
    module->release_everything();
    return {};
}

void Module::release_everything() {
    // Users first: the RNG source reads through a virtio device, which is a PCI binding.
    release_module_rng_sources(this);
    bus::virtio::release_module_drivers(this);
    release_module_devices(*this);
    bus::pci::release_module_drivers(this);

    Allocations leaked = m_allocations.with([](Allocations& list) {
        Allocations taken = list;
        list = {};
        return taken;
    });
    if (leaked.count > 0)
        klog::warn("module", "{} leaked {} allocations ({} bytes): freed", name(), leaked.count,
                   leaked.bytes);
    for (Allocation* allocation = leaked.first; allocation;) {
        Allocation* next = allocation->next;
        allocation->magic = 0;
        mm::kfree(reinterpret_cast<uint8_t*>(allocation + 1) - allocation->offset);
        allocation = next;
    }
    free_module_memory(m_base, m_pages);
    delete this;
}

void write_proc_modules(ktl::StringBuilder& out) {
    // The list changes only under `loading`, so holding it (a sleeping lock: the text allocates) keeps
    // every module here; the counts and states move on their own.
    sync::MutexLocker locker(loading);
    Module* first = ModuleList::list().with([](List& state) { return state.first; });
    {
        for (Module* module = first; module; module = module->m_next) {
            const char* state_name = module->state() == State::Live     ? "Live"
                                     : module->state() == State::Coming ? "Loading"
                                                                        : "Unloading";
            long references = module->references();
            ktl::format_to(out, "{} {} {} - {} {:#018x}\n", module->name(), module->size(),
                           references < 0 ? 0 : references, state_name, module->m_base);
        }
    }
}

size_t loaded_module_count() {
    return ModuleList::list().with([](List& state) { return state.count; });
}

} // namespace module
