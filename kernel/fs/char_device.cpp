#include "fs/char_device.h"

#include "fs/block_node.h"
#include "ktl/assert.h"
#include "sync/spinlock.h"

namespace fs {

namespace {

struct Registration {
    CharacterDeviceInfo info;
    CharacterDevice* device = nullptr;
};

constexpr size_t max_devices = 64;

struct Registry {
    Registration entries[max_devices];
    size_t count = 0;
};

constinit sync::SpinlockProtected<Registry, sync::Spinlock> registry;
constexpr size_t max_observers = 4;
// Added at boot before any registration they must see, never removed: read without a lock.
CharacterDeviceObserver observers[max_observers];
size_t observer_count;

} // namespace

ktl::ErrorOr<void> register_character_device(const CharacterDeviceInfo& info, CharacterDevice& device) {
    TRY(registry.with([&](Registry& state) -> ktl::ErrorOr<void> {
        for (size_t i = 0; i < state.count; ++i) {
            if (state.entries[i].info.major == info.major && state.entries[i].info.minor == info.minor)
                return ktl::Errno::Busy;
        }
        if (state.count == max_devices)
            return ktl::Errno::NoSpace;
        state.entries[state.count++] = {info, &device};
        return {};
    }));
    for (size_t i = 0; i < __atomic_load_n(&observer_count, __ATOMIC_ACQUIRE); ++i)
        observers[i].added(info);
    return {};
}

void unregister_character_device(uint32_t major, uint32_t minor) {
    CharacterDeviceInfo removed;
    bool found = registry.with([&](Registry& state) {
        for (size_t i = 0; i < state.count; ++i) {
            if (state.entries[i].info.major == major && state.entries[i].info.minor == minor) {
                removed = state.entries[i].info;
                state.entries[i] = state.entries[--state.count];
                return true;
            }
        }
        return false;
    });
    for (size_t i = 0; found && i < __atomic_load_n(&observer_count, __ATOMIC_ACQUIRE); ++i)
        observers[i].removed(removed);
}

void add_character_device_observer(CharacterDeviceObserver observer) {
    KTL_ASSERT(observer_count < max_observers && observer.added && observer.removed);
    observers[observer_count] = observer;
    __atomic_store_n(&observer_count, observer_count + 1, __ATOMIC_RELEASE);
}

ktl::ErrorOr<RefPtr<OpenFile>> open_character_device(RefPtr<Inode> inode, uint64_t number, uint32_t flags) {
    uint32_t major = device_major(number);
    uint32_t minor = device_minor(number);
    CharacterDeviceInfo info;
    CharacterDevice* device = registry.with([&](Registry& state) -> CharacterDevice* {
        for (size_t i = 0; i < state.count; ++i) {
            const CharacterDeviceInfo& entry = state.entries[i].info;
            if (entry.major == major && (entry.whole_major || entry.minor == minor)) {
                info = entry;
                // Pinned under the registry lock: the module cannot finish unregistering meanwhile.
                if (entry.owner && !module::try_get(entry.owner))
                    return nullptr;
                return state.entries[i].device;
            }
        }
        return nullptr;
    });
    if (!device)
        return ktl::Errno::NoDeviceOrAddress;
    auto file = device->open(static_cast<RefPtr<Inode>&&>(inode), minor, flags);
    if (info.owner) {
        if (file.is_error())
            module::put(info.owner);
        else
            file.value()->hold_module(info.owner);
    }
    return file;
}

void for_each_character_device(ktl::FunctionRef<void(const CharacterDeviceInfo&)> visit) {
    // A copy, so `visit` may allocate or sleep.
    Registry copy = registry.with([](Registry& state) { return state; });
    for (size_t i = 0; i < copy.count; ++i)
        visit(copy.entries[i].info);
}

} // namespace fs

namespace fs {

namespace {
BlockDeviceOpener block_device_opener;
} // namespace

void set_block_device_opener(BlockDeviceOpener opener) {
    __atomic_store_n(&block_device_opener, opener, __ATOMIC_RELEASE);
}

ktl::ErrorOr<RefPtr<OpenFile>> open_block_device(RefPtr<Inode> inode, uint64_t device, uint32_t flags) {
    BlockDeviceOpener opener = __atomic_load_n(&block_device_opener, __ATOMIC_ACQUIRE);
    if (!opener)
        return ktl::Errno::NoDeviceOrAddress;
    return opener(static_cast<RefPtr<Inode>&&>(inode), device, flags);
}

} // namespace fs
