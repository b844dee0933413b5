#include "proc/executable.h"

#include "fs/io_buffer.h"
#include "ktl/vector.h"
#include "mm/kernel_heap.h"
#include "sync/mutex.h"

namespace proc {

namespace {

struct BootExecutable {
    fs::RefPtr<fs::Inode> inode;
    uint64_t generation = 0;
    ktl::RefPtr<ExecutableImage> image; // built on first use
};

constinit sync::MutexProtected<ktl::Vector<BootExecutable>> boot_executables;

ktl::ErrorOr<ktl::RefPtr<ExecutableImage>> read_whole(fs::Inode& inode, bool shareable) {
    uint64_t size = inode.metadata().size;
    if (size > max_executable_size)
        return ktl::Errno::NoMemory;
    if (size == 0)
        return ktl::Errno::ExecFormat;
    auto* bytes = static_cast<uint8_t*>(mm::kmalloc(size, 64));
    if (!bytes)
        return ktl::Errno::NoMemory;
    auto read = inode.read_at(0, fs::IoBuffer::kernel(static_cast<void*>(bytes)), size);
    if (read.is_error() || read.value() != size) {
        mm::kfree(bytes);
        return read.is_error() ? read.error() : ktl::Error::from_errno(ktl::Errno::ExecFormat);
    }
    auto image = ktl::try_make_ref_counted<ExecutableImage>(bytes, size, shareable);
    if (image.is_error())
        mm::kfree(bytes);
    return image;
}

} // namespace

ExecutableImage::~ExecutableImage() {
    mm::kfree(m_bytes);
}

ktl::ErrorOr<ktl::RefPtr<ExecutableImage>> read_executable(fs::Inode& inode) {
    return boot_executables.with(
        [&](ktl::Vector<BootExecutable>& list) -> ktl::ErrorOr<ktl::RefPtr<ExecutableImage>> {
            for (BootExecutable& entry : list) {
                if (entry.inode.ptr() != &inode)
                    continue;
                if (entry.generation != inode.content_generation())
                    break; // written since boot: read privately
                if (!entry.image)
                    entry.image = TRY(read_whole(inode, true));
                return entry.image;
            }
            return read_whole(inode, false);
        });
}

void remember_boot_executable(fs::Inode& inode) {
    boot_executables.with([&](ktl::Vector<BootExecutable>& list) {
        // Best effort: a program left out is only read privately.
        (void)list.try_append(BootExecutable{fs::RefPtr<fs::Inode>(inode), inode.content_generation(), {}});
    });
}

} // namespace proc
