// An open file whose content was generated when it was opened (procfs, sysfs): reads come from a
// buffer the description owns, so one reader sees one snapshot however it reads, and a file that
// changes under it (a process's status, a device's state) never reads torn.
#pragma once

#include "fs/open_file.h"
#include "ktl/string.h"
#include "sync/mutex.h"

namespace fs {

class GeneratedFile : public OpenFile {
public:
    // `kind` is what /proc/PID/fdinfo-style reports call it ("proc", "sysfs"); a static string.
    GeneratedFile(RefPtr<Inode> inode, uint32_t flags, ktl::String content, const char* kind)
        : OpenFile(static_cast<RefPtr<Inode>&&>(inode), flags),
          m_content(static_cast<ktl::String&&>(content)), m_kind(kind) {}

    ktl::ErrorOr<size_t> read(IoBuffer buffer, size_t length) override;
    ktl::ErrorOr<size_t> read_at(uint64_t offset, IoBuffer buffer, size_t length) override;
    // Nothing generated takes writes unless a subclass says how.
    ktl::ErrorOr<size_t> write(IoBuffer, size_t) override { return ktl::Errno::BadFileDescriptor; }
    ktl::ErrorOr<size_t> write_at(uint64_t, IoBuffer, size_t) override {
        return ktl::Errno::BadFileDescriptor;
    }
    ktl::ErrorOr<int64_t> seek(int64_t offset, Whence whence) override;
    uint32_t poll_events() override { return poll_in | poll_read_normal; }
    const char* kind() const override { return m_kind; }

private:
    ktl::ErrorOr<size_t> copy_out(uint64_t offset, IoBuffer buffer, size_t length);

    ktl::String m_content;
    const char* m_kind;
    sync::Mutex m_position_lock;
    uint64_t m_position = 0;
};

} // namespace fs
