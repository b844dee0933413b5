#include "fs/initrd.h"

#include "console/log.h"
#include "cpio/archive.h"
#include "mm/direct_map.h"

#include <cstring>
#include <new>

namespace fs {

namespace {

constexpr ktl::StringView log_subsystem = "initrd";
constexpr ktl::StringView module_name = "initrd";
constexpr size_t max_path = 4096;
constexpr int max_symlinks = 8; // Linux follows 40; an initrd's links are short chains

alignas(cpio::Archive) unsigned char archive_storage[sizeof(cpio::Archive)];
cpio::Archive* archive = nullptr;

// A path being resolved: normalised components joined by '/', no leading '/'.
class PathBuffer {
public:
    ktl::StringView view() const { return ktl::StringView(m_text, m_length); }
    // Appends `path`'s components, dropping empty ones and "."; ".." is kept for the walk, which
    // applies it to what is resolved by then (after any link before it), not lexically.
    ktl::ErrorOr<void> append(ktl::StringView path) {
        size_t position = 0;
        while (position < path.length()) {
            size_t end = position;
            while (end < path.length() && path[end] != '/')
                ++end;
            ktl::StringView component = path.substring(position, end - position);
            position = end + 1;
            if (component.is_empty() || component == ".")
                continue;
            if (m_length + 1 + component.length() > max_path)
                return ktl::Errno::NameTooLong;
            if (m_length > 0)
                m_text[m_length++] = '/';
            for (size_t i = 0; i < component.length(); ++i)
                m_text[m_length++] = component[i];
        }
        return {};
    }
    void pop() {
        while (m_length > 0 && m_text[m_length - 1] != '/')
            --m_length;
        if (m_length > 0)
            --m_length;
    }
    void clear() { m_length = 0; }

private:
    char m_text[max_path];
    size_t m_length = 0;
};

// The entry at a resolved path. The root need not be in the archive (mkinitrd, like `find . | cpio`
// without ".", leaves it out): then it is a plain directory.
ktl::ErrorOr<cpio::Entry> entry_at(ktl::StringView resolved) {
    auto found = archive->find(resolved);
    if (!found.is_error() || !resolved.is_empty())
        return found;
    cpio::Entry root;
    root.mode = static_cast<uint32_t>(cpio::FileType::Directory) | 0755;
    return root;
}

// Resolves every component of `path`, following symbolic links; the final entry.
ktl::ErrorOr<cpio::Entry> resolve(ktl::StringView path) {
    if (!archive)
        return ktl::Errno::NoEntry;
    if (path.length() >= max_path)
        return ktl::Errno::NameTooLong;
    // What is resolved so far, what is left to walk, and the rest of the path after the component
    // being looked at: on the heap, as 12 KiB is too much for a kernel stack.
    struct Scratch {
        PathBuffer resolved;
        PathBuffer remaining;
        char tail[max_path];
    };
    auto* scratch = new (std::nothrow) Scratch;
    if (!scratch)
        return ktl::Errno::NoMemory;
    PathBuffer* resolved = &scratch->resolved;
    PathBuffer* remaining = &scratch->remaining;
    char* tail = scratch->tail;
    auto result = [&]() -> ktl::ErrorOr<cpio::Entry> {
        TRY(remaining->append(path));
        int links_followed = 0;
        cpio::Entry entry = TRY(entry_at(""));
        // Walk one component at a time so a link in the middle is followed too.
        while (!remaining->view().is_empty()) {
            ktl::StringView rest = remaining->view();
            size_t slash = rest.find('/');
            ktl::StringView component = slash == ktl::StringView::npos ? rest : rest.substring(0, slash);
            if (!entry.is_directory())
                return ktl::Errno::NotDirectory;
            // What follows this component, copied out: `remaining` is rewritten below.
            size_t tail_length = slash == ktl::StringView::npos ? 0 : rest.length() - slash - 1;
            memcpy(tail, rest.data() + rest.length() - tail_length, tail_length);
            ktl::StringView after(tail, tail_length);
            if (component == "..") {
                resolved->pop(); // never above the root
                entry = TRY(entry_at(resolved->view()));
                remaining->clear();
                TRY(remaining->append(after));
                continue;
            }
            TRY(resolved->append(component));
            auto found = archive->find(resolved->view());
            if (found.is_error())
                return ktl::Errno::NoEntry;
            entry = found.value();
            remaining->clear();
            if (entry.is_symlink()) {
                if (++links_followed > max_symlinks)
                    return ktl::Errno::TooManySymlinks;
                // The link's target, then what was after the link, go through the walk again, from
                // the link's directory (or the root for an absolute target).
                ktl::StringView target = entry.symlink_target();
                resolved->pop();
                if (!target.is_empty() && target[0] == '/')
                    resolved->clear();
                TRY(remaining->append(target));
                entry = TRY(entry_at(resolved->view()));
            }
            TRY(remaining->append(after));
        }
        return entry;
    }();
    delete scratch;
    return result;
}

} // namespace

void initialize_initrd(const boot::BootInfo& boot_info) {
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
        archive = new (archive_storage) cpio::Archive(parsed.value());
        klog::info(log_subsystem, "{} entries, {} bytes, read in place", archive->entry_count(),
                   bytes.size());
        return;
    }
    klog::info(log_subsystem, "no initrd module");
}

bool has_initrd() {
    return archive != nullptr;
}

size_t initrd_entry_count() {
    return archive ? archive->entry_count() : 0;
}

ktl::ErrorOr<ktl::ByteReader> open_executable(ktl::StringView path) {
    cpio::Entry entry = TRY(resolve(path));
    if (entry.is_directory())
        return ktl::Errno::AccessDenied; // execve of a directory: EACCES, as on Linux
    if (!entry.is_regular() || (entry.permissions() & 0111) == 0)
        return ktl::Errno::AccessDenied;
    return archive->hard_link_content(entry).data;
}

} // namespace fs
