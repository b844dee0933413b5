#include "fs/devfs/devfs.h"

#include "console/log.h"
#include "fs/char_device.h"
#include "fs/dentry.h"
#include "fs/mount.h"
#include "fs/tmpfs/tmpfs.h"
#include "fs/vfs.h"
#include "ktl/vector.h"
#include "sync/mutex.h"

namespace fs::devfs {

namespace {

// One devtmpfs for the whole system, as on Linux: every mount shows it, and devices registered
// after boot (a module's) get their node in it at once.
sync::MutexProtected<RefPtr<FileSystem>> instance;

// Nodes added by add_node (block devices), made again when the instance is made anew. Taken after
// `instance`'s lock, never before it.
struct ExtraNode {
    char name[32] = {};
    size_t name_length = 0;
    uint32_t mode = 0;
    uint64_t device = 0;
    ktl::StringView view() const { return ktl::StringView(name, name_length); }
};
sync::MutexProtected<ktl::Vector<ExtraNode>> extra_nodes;

NewInode node_for(const CharacterDeviceInfo& info) {
    return {mode_character_device | (info.mode & 0777), 0, 0, make_device(info.major, info.minor)};
}

void device_added(const CharacterDeviceInfo& info) {
    if (info.whole_major)
        return;
    instance.with([&](RefPtr<FileSystem>& file_system) {
        RefPtr<Inode> root = file_system ? file_system->root() : RefPtr<Inode>();
        if (!root)
            return;
        auto made = root->create(info.name, node_for(info));
        if (made.is_error() && made.error().code() != ktl::Errno::Exists)
            klog::warn("devfs", "no /dev/{}: {}", info.name, made.error().name());
    });
}

void remove_named(RefPtr<FileSystem>& file_system, ktl::StringView name) {
    RefPtr<Inode> root = file_system ? file_system->root() : RefPtr<Inode>();
    if (!root || root->unlink(name, false).is_error())
        return;
    // Each mount walks from a root dentry of its own: the name goes from every one's cache.
    for_each_mount([&](const Mount& mount, const Path&) {
        if (&mount.file_system() == file_system.ptr() && mount.root() && &mount.root()->inode() == root.ptr())
            dentry_cache::remove(*mount.root(), name);
    });
}

void device_removed(const CharacterDeviceInfo& info) {
    if (info.whole_major)
        return;
    instance.with([&](RefPtr<FileSystem>& file_system) { remove_named(file_system, info.name); });
}

ktl::ErrorOr<RefPtr<FileSystem>> make_instance(ktl::StringView options) {
    RefPtr<FileSystem> file_system =
        TRY(tmpfs::create(options.is_empty() ? ktl::StringView("mode=755") : options, "devtmpfs"));
    RefPtr<Inode> root = file_system->root();
    ktl::ErrorOr<void> result = {};
    for_each_character_device([&](const CharacterDeviceInfo& info) {
        if (result.is_error() || info.whole_major)
            return;
        auto made = root->create(info.name, node_for(info));
        if (made.is_error())
            result = made.error();
    });
    TRY(result);
    TRY(extra_nodes.with([&](ktl::Vector<ExtraNode>& nodes) -> ktl::ErrorOr<void> {
        for (const ExtraNode& node : nodes)
            TRY(root->create(node.view(), NewInode{node.mode, 0, 0, node.device}));
        return {};
    }));
    constexpr struct {
        const char* name;
        const char* target;
    } links[] = {{"fd", "/proc/self/fd"},
                 {"stdin", "/proc/self/fd/0"},
                 {"stdout", "/proc/self/fd/1"},
                 {"stderr", "/proc/self/fd/2"}};
    for (const auto& link : links)
        TRY(root->create_symlink(link.name, link.target, NewInode{mode_symlink | 0777, 0, 0, 0}));
    TRY(root->create("pts", NewInode{mode_directory | 0755, 0, 0, 0}));
    TRY(root->create("shm", NewInode{mode_directory | 01777, 0, 0, 0}));
    return file_system;
}

ktl::ErrorOr<RefPtr<FileSystem>> create(ktl::StringView, uint64_t, ktl::StringView options) {
    return instance.with([&](RefPtr<FileSystem>& file_system) -> ktl::ErrorOr<RefPtr<FileSystem>> {
        // Unmounted everywhere, a tmpfs lets go of its root: start again.
        if (!file_system || !file_system->root())
            file_system = TRY(make_instance(options));
        return file_system;
    });
}

} // namespace

ktl::ErrorOr<void> add_node(ktl::StringView name, uint32_t mode, uint64_t device) {
    ExtraNode node;
    if (name.is_empty() || name.length() >= sizeof node.name)
        return ktl::Errno::InvalidArgument;
    __builtin_memcpy(node.name, name.data(), name.length());
    node.name_length = name.length();
    node.mode = mode;
    node.device = device;
    return instance.with([&](RefPtr<FileSystem>& file_system) -> ktl::ErrorOr<void> {
        TRY(extra_nodes.with([&](ktl::Vector<ExtraNode>& nodes) { return nodes.try_append(node); }));
        RefPtr<Inode> root = file_system ? file_system->root() : RefPtr<Inode>();
        if (!root)
            return {};
        auto made = root->create(name, NewInode{mode, 0, 0, device});
        if (made.is_error() && made.error().code() != ktl::Errno::Exists)
            klog::warn("devfs", "no /dev/{}: {}", name, made.error().name());
        return {};
    });
}

void remove_node(ktl::StringView name) {
    instance.with([&](RefPtr<FileSystem>& file_system) {
        extra_nodes.with([&](ktl::Vector<ExtraNode>& nodes) {
            for (size_t i = 0; i < nodes.size(); ++i) {
                if (nodes[i].view() == name) {
                    nodes.remove(i);
                    break;
                }
            }
        });
        remove_named(file_system, name);
    });
}

void register_type() {
    add_character_device_observer({device_added, device_removed});
    MUST(register_file_system("devtmpfs", create, false));
}

} // namespace fs::devfs
