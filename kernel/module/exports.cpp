// What modules link against (module_api.h): the export table itself, and the functions behind it:
// logging with a printf subset, the tracked allocator, character devices, the mem* functions.
#include "console/log.h"
#include "fs/char_device.h"
#include "fs/io_buffer.h"
#include "mm/kernel_heap.h"
#include "module/export.h"
#include "module/module.h"
#include "module/pci_driver_api.h"
#include "module/virtio_driver_api.h"

#include <cstdarg>
#include <new>

extern "C" const module::ExportRecord __kernel_exports_start[], __kernel_exports_end[];

namespace module {

const ExportRecord* exports_begin() {
    return __kernel_exports_start;
}
const ExportRecord* exports_end() {
    return __kernel_exports_end;
}

bool find_export(ktl::StringView name, uint64_t& address) {
    for (const ExportRecord* record = exports_begin(); record != exports_end(); ++record) {
        if (ktl::StringView(record->name) == name) {
            address = record->address;
            return true;
        }
    }
    return false;
}

namespace {

constexpr uint32_t allocation_magic = 0x6d6f6461; // "adom"

// printf's conversions that kernel code needs, into `sink`; anything unknown is copied as written.
void format_printf(ktl::FormatSink& sink, const char* format, va_list arguments) {
    for (const char* at = format; *at; ++at) {
        if (*at != '%') {
            sink.write_char(*at);
            continue;
        }
        const char* start = at++;
        ktl::FormatSpec spec;
        if (*at == '0') {
            spec.zero_pad = true;
            ++at;
        }
        while (*at >= '0' && *at <= '9')
            spec.width = uint16_t(spec.width * 10 + (*at++ - '0'));
        bool wide = false; // l, ll, z: 64 bits
        for (; *at == 'l' || *at == 'z'; ++at)
            wide = true;
        switch (*at) {
        case 'd':
        case 'i': {
            int64_t value = wide ? va_arg(arguments, long) : va_arg(arguments, int);
            ktl::format_unsigned(sink, spec, value < 0 ? uint64_t(-value) : uint64_t(value), value < 0);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t value = wide ? va_arg(arguments, unsigned long) : va_arg(arguments, unsigned);
            spec.type = *at == 'u' ? 'd' : *at;
            ktl::format_unsigned(sink, spec, value);
            break;
        }
        case 'p': {
            spec.type = 'x';
            spec.alternate = true;
            ktl::format_unsigned(sink, spec, reinterpret_cast<uint64_t>(va_arg(arguments, void*)));
            break;
        }
        case 'c':
            sink.write_char(char(va_arg(arguments, int)));
            break;
        case 's': {
            const char* text = va_arg(arguments, const char*);
            ktl::format_padded(sink, spec, text ? text : "(null)");
            break;
        }
        case '%':
            sink.write_char('%');
            break;
        default: // unknown: show it as written, consume nothing
            sink.write(ktl::StringView(start, size_t(at - start) + (*at ? 1 : 0)));
            if (!*at)
                return;
            break;
        }
    }
}

class ModuleDeviceFile final : public fs::OpenFile {
public:
    ModuleDeviceFile(fs::RefPtr<fs::Inode> inode, uint32_t flags, long (*read)(uint64_t, void*, size_t))
        : OpenFile(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags), m_read(read) {}

    ktl::ErrorOr<size_t> read(fs::IoBuffer buffer, size_t length) override {
        sync::MutexLocker locker(m_lock);
        size_t done = TRY(read_at(m_position, buffer, length));
        m_position += done;
        return done;
    }
    ktl::ErrorOr<size_t> read_at(uint64_t offset, fs::IoBuffer buffer, size_t length) override {
        // The module fills a kernel buffer; the copy to the reader is the kernel's, fault-safe.
        char chunk[256];
        size_t asked = length < sizeof chunk ? length : sizeof chunk;
        long got = m_read(offset, chunk, asked);
        if (got < 0)
            return static_cast<ktl::Errno>(got >= -4095 ? -got : 5 /* EIO */);
        // Never more than was asked for, whatever the module claims.
        size_t count = size_t(got) < asked ? size_t(got) : asked;
        TRY(buffer.write(chunk, count));
        return count;
    }
    ktl::ErrorOr<size_t> write(fs::IoBuffer, size_t) override { return ktl::Errno::InvalidArgument; }
    bool is_seekable() const override { return false; }
    const char* kind() const override { return "device"; }

private:
    sync::Mutex m_lock;
    uint64_t m_position = 0;
    long (*m_read)(uint64_t, void*, size_t);
};

} // namespace

class ModuleCharacterDevice final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t,
                                                uint32_t flags) override {
        auto file = TRY(ktl::try_make_ref_counted<ModuleDeviceFile>(
            static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags, read));
        return fs::RefPtr<fs::OpenFile>(file.ptr());
    }

    ktl::String name;
    uint32_t major = 0, minor = 0;
    long (*read)(uint64_t, void*, size_t) = nullptr;
};

void* Module::allocate(size_t size, size_t alignment) {
    if (alignment < 16)
        alignment = 16;
    if ((alignment & (alignment - 1)) != 0 || alignment > 4096)
        return nullptr;
    // The record sits right below the module's pointer, which keeps its alignment.
    size_t header = (sizeof(Allocation) + alignment - 1) & ~(alignment - 1);
    if (size > (1ull << 40))
        return nullptr;
    auto* block = static_cast<uint8_t*>(mm::kmalloc(header + size, alignment));
    if (!block)
        return nullptr;
    auto* allocation = reinterpret_cast<Allocation*>(block + header) - 1;
    *allocation = {nullptr, nullptr, this, size, allocation_magic, uint32_t(header)};
    m_allocations.with([&](Allocations& list) {
        allocation->next = list.first;
        if (list.first)
            list.first->previous = allocation;
        list.first = allocation;
        ++list.count;
        list.bytes += size;
    });
    return block + header;
}

void Module::free(void* pointer) {
    if (!pointer)
        return;
    auto* allocation = static_cast<Allocation*>(pointer) - 1;
    bool owned = m_allocations.with([&](Allocations& list) {
        if (allocation->magic != allocation_magic || allocation->owner != this)
            return false;
        if (allocation->previous)
            allocation->previous->next = allocation->next;
        else
            list.first = allocation->next;
        if (allocation->next)
            allocation->next->previous = allocation->previous;
        --list.count;
        list.bytes -= allocation->size;
        allocation->magic = 0;
        return true;
    });
    if (!owned) {
        klog::error("module", "{} freed {:p}, which it did not allocate: ignored", name(), pointer);
        return;
    }
    mm::kfree(static_cast<uint8_t*>(pointer) - allocation->offset);
}

ktl::ErrorOr<void> Module::register_device(ktl::StringView name, uint32_t major, uint32_t minor,
                                           long (*read)(uint64_t, void*, size_t)) {
    auto* device = new (std::nothrow) ModuleCharacterDevice;
    if (!device)
        return ktl::Errno::NoMemory;
    auto copied = ktl::String::try_create(name);
    if (copied.is_error() || !read) {
        delete device;
        return copied.is_error() ? copied.error() : ktl::Error::from_errno(ktl::Errno::InvalidArgument);
    }
    device->name = copied.release_value();
    device->major = major;
    device->minor = minor;
    device->read = read;
    ktl::ErrorOr<void> result =
        m_devices.with([&](ktl::Vector<ModuleCharacterDevice*>& list) -> ktl::ErrorOr<void> {
            TRY(list.try_append(device));
            fs::CharacterDeviceInfo info;
            info.name = device->name.view();
            info.major = major;
            info.minor = minor;
            info.mode = 0600;
            info.owner = this;
            if (auto registered = fs::register_character_device(info, *device); registered.is_error()) {
                list.remove(list.size() - 1);
                return registered.error();
            }
            return {};
        });
    if (result.is_error())
        delete device;
    return result;
}

void Module::unregister_device(uint32_t major, uint32_t minor) {
    ModuleCharacterDevice* found = m_devices.with([&](ktl::Vector<ModuleCharacterDevice*>& list) {
        for (size_t index = 0; index < list.size(); ++index) {
            ModuleCharacterDevice* device = list[index];
            if (device->major == major && device->minor == minor) {
                list.remove(index);
                return device;
            }
        }
        return static_cast<ModuleCharacterDevice*>(nullptr);
    });
    if (!found)
        return;
    fs::unregister_character_device(major, minor);
    delete found;
}

void release_module_devices(Module& module) {
    for (;;) {
        ModuleCharacterDevice* device = module.m_devices.with([](ktl::Vector<ModuleCharacterDevice*>& list) {
            return list.is_empty() ? nullptr : list.last();
        });
        if (!device)
            return;
        klog::warn("module", "{} left device {}:{} registered: unregistered", module.name(), device->major,
                   device->minor);
        module.unregister_device(device->major, device->minor);
    }
}

} // namespace module

// The C functions of module_api.h.
extern "C" {

void module_log(void* handle, int level, const char* format, ...) {
    auto* module = static_cast<module::Module*>(handle);
    klog::Level klog_level = level <= 0   ? klog::Level::Error
                             : level == 1 ? klog::Level::Warn
                             : level == 2 ? klog::Level::Info
                                          : klog::Level::Debug;
    if (!klog::enabled(klog_level))
        return;
    char text[512];
    ktl::BufferSink sink(text, sizeof text);
    va_list arguments;
    va_start(arguments, format);
    module::format_printf(sink, format ? format : "(null)", arguments);
    va_end(arguments);
    klog::write_record(klog_level, module ? module->name() : ktl::StringView("module"),
                       std::source_location::current(), sink.view());
}

void* module_allocate(void* handle, size_t size, size_t alignment) {
    return handle ? static_cast<module::Module*>(handle)->allocate(size, alignment) : nullptr;
}

void module_free(void* handle, void* pointer) {
    if (handle)
        static_cast<module::Module*>(handle)->free(pointer);
}

int module_register_character_device(void* handle, const char* name, uint32_t major, uint32_t minor,
                                     long (*read)(uint64_t, void*, size_t)) {
    if (!handle || !name)
        return -22;
    auto result = static_cast<module::Module*>(handle)->register_device(name, major, minor, read);
    return result.is_error() ? -result.error().errno_value() : 0;
}

void module_unregister_character_device(void* handle, uint32_t major, uint32_t minor) {
    if (handle)
        static_cast<module::Module*>(handle)->unregister_device(major, minor);
}

void* memcpy(void*, const void*, size_t);
void* memmove(void*, const void*, size_t);
void* memset(void*, int, size_t);
int memcmp(const void*, const void*, size_t);
size_t strlen(const char*);

} // extern "C"

// The export list (docs/drivers.md). Keep it minimal: each entry is a promise to every module.
KERNEL_EXPORT(module_log);
KERNEL_EXPORT(module_allocate);
KERNEL_EXPORT(module_free);
KERNEL_EXPORT(module_register_character_device);
KERNEL_EXPORT(module_unregister_character_device);
KERNEL_EXPORT(memcpy);
KERNEL_EXPORT(memmove);
KERNEL_EXPORT(memset);
KERNEL_EXPORT(memcmp);
KERNEL_EXPORT(strlen);
KERNEL_EXPORT(module_pci_register_driver);
KERNEL_EXPORT(module_pci_unregister_driver);
KERNEL_EXPORT(module_pci_vendor_id);
KERNEL_EXPORT(module_pci_device_id);
KERNEL_EXPORT(module_pci_class);
KERNEL_EXPORT(module_pci_name);
KERNEL_EXPORT(module_pci_config_read32);
KERNEL_EXPORT(module_pci_config_write32);
KERNEL_EXPORT(module_pci_config_read16);
KERNEL_EXPORT(module_pci_config_write16);
KERNEL_EXPORT(module_pci_config_read8);
KERNEL_EXPORT(module_pci_enable);
KERNEL_EXPORT(module_pci_disable);
KERNEL_EXPORT(module_pci_bar);
KERNEL_EXPORT(module_pci_map_bar);
KERNEL_EXPORT(module_pci_unmap_bar);
KERNEL_EXPORT(module_pci_set_driver_data);
KERNEL_EXPORT(module_pci_driver_data);
KERNEL_EXPORT(module_virtio_register_driver);
KERNEL_EXPORT(module_virtio_unregister_driver);
KERNEL_EXPORT(module_virtio_name);
KERNEL_EXPORT(module_virtio_is_legacy);
KERNEL_EXPORT(module_virtio_set_driver_data);
KERNEL_EXPORT(module_virtio_driver_data);
KERNEL_EXPORT(module_virtio_negotiate);
KERNEL_EXPORT(module_virtio_features);
KERNEL_EXPORT(module_virtio_set_up_queue);
KERNEL_EXPORT(module_virtio_start);
KERNEL_EXPORT(module_virtio_queue_uses_msix);
KERNEL_EXPORT(module_virtio_queue_size);
KERNEL_EXPORT(module_virtio_dma_allocate);
KERNEL_EXPORT(module_virtio_dma_free);
KERNEL_EXPORT(module_virtio_queue_add);
KERNEL_EXPORT(module_virtio_queue_take_used);
KERNEL_EXPORT(module_virtio_queue_wait);
KERNEL_EXPORT(module_virtio_fail);
KERNEL_EXPORT(module_hwrng_register);
KERNEL_EXPORT(module_hwrng_unregister);
