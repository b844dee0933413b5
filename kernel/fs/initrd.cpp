#include "fs/initrd.h"

#include "console/log.h"
#include "cpio/archive.h"
#include "fs/vfs.h"
#include "ktl/hash_map.h"
#include "mm/direct_map.h"
#include "mm/physical.h"
#include "proc/executable.h"

#include <new>

namespace fs {

namespace {

constexpr ktl::StringView log_subsystem = "initrd";
constexpr ktl::StringView module_name = "initrd";

bool unpacked = false;
UnpackCounts boot_counts;

// "/" + the archive's normalised name, NUL-free, in a buffer of its own.
class AbsolutePath {
public:
    bool set(ktl::StringView name) {
        if (name.length() + 2 > sizeof m_text)
            return false;
        m_text[0] = '/';
        for (size_t i = 0; i < name.length(); ++i)
            m_text[i + 1] = name[i];
        m_length = name.length() + 1;
        return true;
    }
    ktl::StringView view() const { return ktl::StringView(m_text, m_length); }

private:
    char m_text[path_max];
    size_t m_length = 0;
};

class Unpacker {
public:
    // Names and absolute symlinks are taken from `target`, as from a root: ".." at it stays there.
    Unpacker(const cpio::Archive& archive, const Path& target, bool at_boot)
        : m_archive(archive), m_lookup{target, target, {}, 0}, m_at_boot(at_boot) {}

    const UnpackCounts& counts() const { return m_counts; }

    void unpack(const cpio::Entry& entry) {
        if (entry.is_root()) {
            // The archive's "." sets the root's mode, owner and time.
            auto root = resolve(m_lookup, "/");
            if (!root.is_error())
                (void)apply_attributes(root.value(), entry);
            return;
        }
        auto* path = new (std::nothrow) AbsolutePath;
        if (!path || !path->set(entry.name)) {
            delete path;
            failed(entry, ktl::Errno::NameTooLong);
            return;
        }
        auto result = unpack_at(path->view(), entry);
        if (result.is_error())
            failed(entry, result.error().code());
        else
            ++m_counts.unpacked;
        delete path;
    }

private:
    void failed(const cpio::Entry& entry, ktl::Errno code) {
        ++m_counts.failed;
        klog::warn(log_subsystem, "'{}' not unpacked: {}", entry.name, ktl::errno_name(code));
    }

    // Linux's initramfs makes no missing parents; we do, so an archive listed without its
    // directories (find -type f | cpio) still unpacks.
    ktl::ErrorOr<void> make_parents(ktl::StringView path) {
        for (size_t i = 1; i < path.length(); ++i) {
            if (path[i] != '/')
                continue;
            auto made = make_directory(m_lookup, path.substring(0, i), 0755);
            if (made.is_error() && made.error().code() != ktl::Errno::Exists)
                return made.error();
        }
        return {};
    }

    // A later entry with the same name replaces an earlier one, as Linux's extraction does.
    void remove_existing(ktl::StringView path, const cpio::Entry& entry) {
        auto existing = resolve(m_lookup, path, false);
        if (existing.is_error())
            return;
        bool is_directory = existing.value().inode().metadata().is_directory();
        if (is_directory && entry.is_directory())
            return; // kept; its attributes are updated
        (void)remove(m_lookup, path, is_directory);
    }

    ktl::ErrorOr<void> unpack_at(ktl::StringView path, const cpio::Entry& entry) {
        TRY(make_parents(path));
        remove_existing(path, entry);
        if (entry.is_directory()) {
            auto made = make_directory(m_lookup, path, entry.permissions());
            if (made.is_error() && made.error().code() != ktl::Errno::Exists)
                return made.error();
        } else if (entry.is_symlink()) {
            ktl::StringView target = entry.symlink_target();
            if (target.contains(ktl::StringView("\0", 1)))
                return ktl::Errno::InvalidArgument;
            TRY(make_symlink(m_lookup, target, path));
            return {}; // a symlink's own attributes do not matter
        } else if (entry.is_regular()) {
            TRY(unpack_regular(path, entry));
        } else {
            uint64_t device = make_device(entry.rdevmajor, entry.rdevminor);
            TRY(make_node(m_lookup, path, entry.mode, device));
        }
        Path made = TRY(resolve(m_lookup, path, false));
        TRY(apply_attributes(made, entry));
        if (m_at_boot && entry.is_regular() && (entry.mode & 0111))
            proc::remember_boot_executable(made.inode());
        return {};
    }

    ktl::ErrorOr<void> unpack_regular(ktl::StringView path, const cpio::Entry& entry) {
        // Hard links: the group's first name gets the content (held by its last member), the others
        // become links to it.
        uint64_t identity = 0;
        if (entry.is_hard_link()) {
            identity = (static_cast<uint64_t>(entry.devmajor) << 48) ^
                       (static_cast<uint64_t>(entry.devminor) << 32) ^ entry.inode;
            if (ktl::String* first = m_links.get(identity)) {
                TRY(make_link(m_lookup, first->view(), m_lookup, path, false));
                return {};
            }
        }
        cpio::Entry content = m_archive.hard_link_content(entry);
        RefPtr<OpenFile> file =
            TRY(open(m_lookup, path, open_write_only | open_create | open_exclusive, 0600));
        size_t written = 0;
        ktl::ByteReader data = content.data;
        while (written < data.size()) {
            size_t part = TRY(file->write(IoBuffer::kernel(static_cast<const void*>(data.data() + written)),
                                          data.size() - written));
            if (part == 0)
                return ktl::Errno::NoSpace;
            written += part;
        }
        if (entry.is_hard_link()) {
            auto name = ktl::String::try_create(path);
            if (!name.is_error())
                (void)m_links.try_set(identity, name.release_value());
        }
        return {};
    }

    ktl::ErrorOr<void> apply_attributes(const Path& path, const cpio::Entry& entry) {
        AttributeChange change;
        change.which = AttributeChange::Mode | AttributeChange::Uid | AttributeChange::Gid |
                       AttributeChange::AccessTime | AttributeChange::ModifyTime;
        change.mode = entry.permissions();
        change.uid = entry.uid;
        change.gid = entry.gid;
        change.access_time = change.modify_time = Timestamp{static_cast<int64_t>(entry.mtime), 0};
        return path.inode().set_attributes(change);
    }

    const cpio::Archive& m_archive;
    Lookup m_lookup;
    bool m_at_boot;
    UnpackCounts m_counts;
    ktl::HashMap<uint64_t, ktl::String> m_links;
};

ktl::ErrorOr<UnpackCounts> unpack_parsed(const cpio::Archive& archive, const Path& target, bool at_boot) {
    auto* unpacker = new (std::nothrow) Unpacker(archive, target, at_boot);
    if (!unpacker)
        return ktl::Errno::NoMemory;
    for (const cpio::Entry& entry : archive)
        unpacker->unpack(entry);
    UnpackCounts counts = unpacker->counts();
    delete unpacker;
    return counts;
}

} // namespace

ktl::ErrorOr<UnpackCounts> unpack_archive(ktl::ByteReader bytes, const Path& target) {
    if (target.is_null() || !target.inode().metadata().is_directory())
        return ktl::Errno::NotDirectory;
    cpio::Archive archive = TRY(cpio::Archive::parse(bytes));
    return unpack_parsed(archive, target, false);
}

void unpack_initrd(const boot::BootInfo& boot_info) {
    for (const boot::BootModule& module : boot_info.modules) {
        if (ktl::StringView(module.name) != module_name)
            continue;
        ktl::ByteReader bytes(mm::physical_to_virtual<const uint8_t>(module.start),
                              module.end - module.start);
        cpio::Problem problem = cpio::Problem::None;
        auto parsed = cpio::Archive::parse(bytes, cpio::default_max_entries, &problem);
        if (parsed.is_error()) {
            klog::error(log_subsystem, "module '{}' is not a usable cpio archive: {} ({}); no initrd",
                        module.name, cpio::problem_name(problem), parsed.error().name());
            return;
        }
        if (root_path().is_null()) {
            klog::error(log_subsystem, "no root file system to unpack into");
            return;
        }
        auto counts = unpack_parsed(parsed.value(), root_path(), true);
        if (counts.is_error()) {
            klog::error(log_subsystem, "no memory to unpack the initrd");
            return;
        }
        boot_counts = counts.value();
        unpacked = true;
        size_t frames = mm::release_boot_module(module.start, module.end);
        klog::info(log_subsystem, "{} entries unpacked into / ({} refused), {} bytes; {} frames freed",
                   boot_counts.unpacked, boot_counts.failed, bytes.size(), frames);
        return;
    }
    klog::info(log_subsystem, "no initrd module");
}

bool has_initrd() {
    return unpacked;
}

size_t initrd_entry_count() {
    return boot_counts.unpacked;
}

size_t initrd_failed_count() {
    return boot_counts.failed;
}

} // namespace fs
