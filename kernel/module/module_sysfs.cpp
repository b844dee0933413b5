// /sys/module/NAME for each loaded module, in Linux's layout: refcnt, initstate, coresize, taint,
// version (when the module declares one), an empty holders/ (no module links against another),
// sections/ (each loaded section's address, root only) and parameters/ with one read-only file per
// MODULE_PARAMETER. The attributes read the Module itself:
// remove_from_sysfs waits for running readers, so it is freed only after.
#include "ktl/format.h"
#include "module/module.h"
#include "module/parameters.h"

namespace module {

namespace {

const Module& module_of(void* object) {
    return *static_cast<const Module*>(object);
}

ktl::ErrorOr<void> show_refcnt(void* object, ktl::StringBuilder& out) {
    long references = module_of(object).references();
    ktl::format_to(out, "{}\n", references < 0 ? 0 : references);
    return {};
}

ktl::ErrorOr<void> show_initstate(void* object, ktl::StringBuilder& out) {
    State state = module_of(object).state();
    out.write(state == State::Live ? "live\n" : state == State::Coming ? "coming\n" : "going\n");
    return {};
}

ktl::ErrorOr<void> show_coresize(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{}\n", module_of(object).size());
    return {};
}

// Linux's taint letters; nothing taints the kernel here (every module is built with it).
ktl::ErrorOr<void> show_taint(void*, ktl::StringBuilder& out) {
    out.write("\n");
    return {};
}

ktl::ErrorOr<void> show_version(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{}\n", module_of(object).version());
    return {};
}

ktl::ErrorOr<void> show_section(void* object, ktl::StringBuilder& out) {
    ktl::format_to(out, "{:#018x}\n", static_cast<const Module::LoadedSection*>(object)->address);
    return {};
}

ktl::ErrorOr<void> show_parameter(void* object, ktl::StringBuilder& out) {
    format_parameter(*static_cast<const ModuleInfo::Parameter*>(object), out);
    return {};
}

ktl::ErrorOr<void> fill(fs::sysfs::Node& directory, Module& module) {
    struct Attribute {
        const char* name;
        fs::sysfs::Show show;
    } attributes[] = {{"refcnt", show_refcnt},
                      {"initstate", show_initstate},
                      {"coresize", show_coresize},
                      {"taint", show_taint}};
    for (const Attribute& attribute : attributes)
        TRY(fs::sysfs::create_attribute(directory, {attribute.name, 0444, attribute.show, nullptr, &module}));
    if (!module.version().is_empty())
        TRY(fs::sysfs::create_attribute(directory, {"version", 0444, show_version, nullptr, &module}));
    TRY(fs::sysfs::create_directory(directory, "holders"));
    // Root only, as Linux: addresses inside the kernel.
    fs::sysfs::NodeRef sections = TRY(fs::sysfs::create_directory(directory, "sections"));
    for (const Module::LoadedSection& section : module.sections()) {
        auto made = fs::sysfs::create_attribute(*sections, {section.name.view(), 0400, show_section, nullptr,
                                                            const_cast<Module::LoadedSection*>(&section)});
        if (made.is_error() && made.error().code() != ktl::Errno::Exists)
            return made.error(); // a name twice in the file: the first one shows
    }
    if (module.declared_parameters().is_empty())
        return {}; // as Linux: no parameters/ without parameters
    fs::sysfs::NodeRef parameters = TRY(fs::sysfs::create_directory(directory, "parameters"));
    for (const ModuleInfo::Parameter& parameter : module.declared_parameters())
        TRY(fs::sysfs::create_attribute(*parameters, {parameter.name, 0444, show_parameter, nullptr,
                                                      const_cast<ModuleInfo::Parameter*>(&parameter)}));
    return {};
}

} // namespace

ktl::ErrorOr<void> add_to_sysfs(Module& module) {
    fs::sysfs::NodeRef modules = TRY(fs::sysfs::ensure_directory("module"));
    fs::sysfs::NodeRef directory = TRY(fs::sysfs::create_directory(*modules, module.name()));
    if (auto filled = fill(*directory, module); filled.is_error()) {
        fs::sysfs::remove(*directory);
        return filled.error();
    }
    module.m_sysfs = static_cast<fs::sysfs::NodeRef&&>(directory);
    return {};
}

void remove_from_sysfs(Module& module) {
    if (!module.m_sysfs)
        return;
    fs::sysfs::remove(*module.m_sysfs);
    module.m_sysfs = nullptr;
}

} // namespace module
