#include "fs/devfs/devfs.h"

#include "fs/char_device.h"
#include "fs/tmpfs/tmpfs.h"
#include "fs/vfs.h"

namespace fs::devfs {

namespace {

ktl::ErrorOr<RefPtr<FileSystem>> create(ktl::StringView, uint64_t, ktl::StringView options) {
    RefPtr<FileSystem> file_system =
        TRY(tmpfs::create(options.is_empty() ? ktl::StringView("mode=755") : options, "devtmpfs"));
    RefPtr<Inode> root = file_system->root();
    ktl::ErrorOr<void> result = {};
    for_each_character_device([&](const CharacterDeviceInfo& info) {
        if (result.is_error() || info.whole_major)
            return;
        NewInode node{mode_character_device | (info.mode & 0777), 0, 0, make_device(info.major, info.minor)};
        auto made = root->create(info.name, node);
        if (made.is_error())
            result = made.error();
    });
    TRY(result);
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

} // namespace

void register_type() {
    MUST(register_file_system("devtmpfs", create, false));
}

} // namespace fs::devfs
