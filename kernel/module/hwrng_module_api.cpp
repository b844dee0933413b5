// module_hwrng_register/unregister (module/virtio_driver_api.h): a module's module_hwrng as a source
// of the hardware RNG core (dev/hwrng.h). The sources each module registered are kept here, so what it
// leaves registered is unregistered when it goes, before its code does.
#include "console/log.h"
#include "dev/hwrng.h"
#include "ktl/vector.h"
#include "module/module.h"
#include "module/virtio_driver_api.h"
#include "sync/mutex.h"

#include <new>

namespace module {

namespace {

struct ModuleSource {
    dev::hwrng::Source source;
    module_hwrng* rng = nullptr;
    Module* owner = nullptr;
};

sync::MutexProtected<ktl::Vector<ModuleSource*>> sources;

ktl::ErrorOr<size_t> read_module_source(void* context, void* buffer, size_t length) {
    module_hwrng* rng = static_cast<ModuleSource*>(context)->rng;
    long got = rng->read(rng, buffer, length);
    if (got < 0)
        return static_cast<ktl::Errno>(got >= -4095 ? -got : 5 /* EIO */);
    return size_t(got);
}

void forget(ModuleSource* wrapper) {
    sources.with([&](ktl::Vector<ModuleSource*>& list) {
        for (size_t i = 0; i < list.size(); ++i) {
            if (list[i] == wrapper) {
                list.remove(i);
                return;
            }
        }
    });
}

} // namespace

void release_module_rng_sources(Module* module) {
    for (;;) {
        ModuleSource* left = sources.with([&](ktl::Vector<ModuleSource*>& list) -> ModuleSource* {
            for (size_t i = 0; i < list.size(); ++i) {
                if (list[i]->owner == module) {
                    ModuleSource* wrapper = list[i];
                    list.remove(i);
                    return wrapper;
                }
            }
            return nullptr;
        });
        if (!left)
            return;
        klog::warn("hwrng", "source {} was left registered by {}: unregistered", left->source.name,
                   module->name());
        dev::hwrng::unregister_source(left->source);
        delete left;
    }
}

} // namespace module

extern "C" {

int module_hwrng_register(void* module, module_hwrng* rng) {
    if (!rng || !rng->read || !rng->name)
        return -static_cast<int>(ktl::Errno::InvalidArgument);
    if (rng->kernel_private)
        return -static_cast<int>(ktl::Errno::Busy);
    auto* wrapper = new (std::nothrow) module::ModuleSource;
    if (!wrapper)
        return -static_cast<int>(ktl::Errno::NoMemory);
    wrapper->rng = rng;
    wrapper->owner = static_cast<module::Module*>(module);
    wrapper->source = {rng->name, module::read_module_source, wrapper, wrapper->owner};
    bool listed = module::sources.with(
        [&](ktl::Vector<module::ModuleSource*>& list) { return !list.try_append(wrapper).is_error(); });
    if (!listed) {
        delete wrapper;
        return -static_cast<int>(ktl::Errno::NoMemory);
    }
    if (auto registered = dev::hwrng::register_source(wrapper->source); registered.is_error()) {
        module::forget(wrapper);
        delete wrapper;
        return -static_cast<int>(registered.error().code());
    }
    rng->kernel_private = wrapper;
    return 0;
}

void module_hwrng_unregister(void* module, module_hwrng* rng) {
    if (!rng || !rng->kernel_private)
        return;
    auto* wrapper = static_cast<module::ModuleSource*>(rng->kernel_private);
    if (wrapper->owner != module) {
        klog::error("hwrng", "source {}: unregistered by a module that did not register it", rng->name);
        return;
    }
    dev::hwrng::unregister_source(wrapper->source);
    module::forget(wrapper);
    rng->kernel_private = nullptr;
    delete wrapper;
}

} // extern "C"
