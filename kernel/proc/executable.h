// Program files in one piece, as the ELF loader reads them. execve reads the file through the VFS
// into an image; the process keeps it for its fault reports' symbols.
//
// Programs unpacked from the initrd are registered at boot: their images are built once, kept for
// the kernel's lifetime and marked shareable, so every run maps the same read-only pages
// (proc/shared_pages.h). Once such a file is written, its image no longer matches and later runs
// read it afresh, privately.
#pragma once

#include "fs/inode.h"
#include "ktl/byte_reader.h"
#include "ktl/ref_ptr.h"

namespace proc {

class ExecutableImage : public ktl::RefCounted<ExecutableImage> {
public:
    ExecutableImage(uint8_t* bytes, size_t size, bool shareable)
        : m_bytes(bytes), m_size(size), m_shareable(shareable) {}
    ~ExecutableImage();
    ktl::ByteReader bytes() const { return ktl::ByteReader(m_bytes, m_size); }
    // Lives as long as the kernel: its address may key shared pages.
    bool is_shareable() const { return m_shareable; }

private:
    uint8_t* m_bytes;
    size_t m_size;
    bool m_shareable;
};

inline constexpr size_t max_executable_size = 256ull << 20;

// The bytes of `inode` (a regular file the caller may execute: checked by the caller). NoMemory
// for a file larger than max_executable_size or when memory is short.
ktl::ErrorOr<ktl::RefPtr<ExecutableImage>> read_executable(fs::Inode& inode);
// The initrd unpacker calls this for each executable it wrote.
void remember_boot_executable(fs::Inode& inode);

} // namespace proc
