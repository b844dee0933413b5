#include "fs/initrd.h"

#include "console/log.h"
#include "cpio/archive.h"
#include "mm/direct_map.h"

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

// Resolves every component of `path`, following symbolic links; the final entry.
ktl::ErrorOr<cpio::Entry> resolve(ktl::StringView path) {
    if (!archive)
        return ktl::Errno::NoEntry;
    if (path.length() >= max_path)
        return ktl::Errno::NameTooLong;
    // What is resolved so far, what is left to walk, and room to splice a link's target in: on the
    // heap, as 16 KiB is too much for a kernel stack.
    struct Scratch {
        PathBuffer resolved;
        PathBuffer remaining;
        char tail[max_path];
        char joined[max_path];
    };
    auto* scratch = new (std::nothrow) Scratch;
    if (!scratch)
        return ktl::Errno::NoMemory;
    PathBuffer* resolved = &scratch->resolved;
    PathBuffer* remaining = &scratch->remaining;
    char* tail = scratch->tail;
    char* joined = scratch->joined;
    auto result = [&]() -> ktl::ErrorOr<cpio::Entry> {
        TRY(remaining->append(path));
        int links_followed = 0;
        // The root need not be in the archive (mkinitrd, like `find . | cpio` without ".", leaves it out).
        cpio::Entry entry;
        if (auto root = archive->find(""); !root.is_error())
            entry = root.value();
        else
            entry.mode = static_cast<uint32_t>(cpio::FileType::Directory) | 0755;
        // Walk one component at a time so a link in the middle is followed too.
        while (!remaining->view().is_empty()) {
            ktl::StringView rest = remaining->view();
            size_t slash = rest.find('/');
            ktl::StringView component = slash == ktl::StringView::npos ? rest : rest.substring(0, slash);
            if (!entry.is_directory())
                return ktl::Errno::NotDirectory;
            size_t tail_start = slash == ktl::StringView::npos ? rest.length() : slash + 1;
            if (component == "..") {
                resolved->pop(); // never above the root
                entry = {};
                entry.mode = static_cast<uint32_t>(cpio::FileType::Directory) | 0755;
                if (!resolved->view().is_empty())
                    entry = TRY(archive->find(resolved->view()));
                size_t tail_length = rest.length() - tail_start;
                for (size_t i = 0; i < tail_length; ++i)
                    tail[i] = rest[tail_start + i];
                remaining->clear();
                TRY(remaining->append(ktl::StringView(tail, tail_length)));
                continue;
            }
            TRY(resolved->append(component));
            auto found = archive->find(resolved->view());
            if (found.is_error())
                return ktl::Errno::NoEntry;
            entry = found.value();
            // Drop the component from `remaining` (copy the tail into a scratch string first).
            size_t tail_length = slash == ktl::StringView::npos ? 0 : rest.length() - slash - 1;
            for (size_t i = 0; i < tail_length; ++i)
                tail[i] = rest[slash + 1 + i];
            if (entry.is_symlink()) {
                if (++links_followed > max_symlinks)
                    return ktl::Errno::TooManySymlinks;
                ktl::StringView target = entry.symlink_target();
                resolved->pop();
                if (!target.is_empty() && target[0] == '/')
                    resolved->clear();
                remaining->clear();
                // The link's target, then what was after the link, go through the walk again.
                size_t joined_length = 0;
                if (target.length() + 1 + tail_length > max_path)
                    return ktl::Errno::NameTooLong;
                for (size_t i = 0; i < target.length(); ++i)
                    joined[joined_length++] = target[i];
                joined[joined_length++] = '/';
                for (size_t i = 0; i < tail_length; ++i)
                    joined[joined_length++] = tail[i];
                TRY(remaining->append(ktl::StringView(joined, joined_length)));
                if (resolved->view().is_empty()) {
                    entry = {};
                    entry.mode = static_cast<uint32_t>(cpio::FileType::Directory) | 0755;
                } else {
                    entry = TRY(archive->find(resolved->view()));
                }
                continue;
            }
            remaining->clear();
            TRY(remaining->append(ktl::StringView(tail, tail_length)));
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
