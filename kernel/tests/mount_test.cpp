// Mounts: a tmpfs mounted, filled and unmounted gives back everything it held.
#include "fs/tmpfs/tmpfs.h"
#include "fs/vfs.h"
#include "mm/kernel_heap.h"
#include "mm/statistics.h"
#include "test/ktest.h"

namespace {

fs::Lookup root_lookup() {
    fs::Path root = fs::root_path();
    return fs::Lookup{root, root, {}, 022};
}

} // namespace

// The file system and its root inode hold each other; unmounting must break that, or every
// unmounted tmpfs kept its files forever. (It did.)
KTEST(an_unmounted_tmpfs_frees_its_inodes_and_pages) {
    fs::Lookup lookup = root_lookup();
    auto made = fs::make_directory(lookup, "/tmp/mount-test", 0755);
    KASSERT(!made.is_error() || made.error().code() == ktl::Errno::Exists);
    size_t inodes_before = fs::tmpfs::inode_count();
    size_t pages_before = fs::tmpfs::page_count();
    {
        fs::Path target = MUST(fs::resolve(lookup, "/tmp/mount-test"));
        MUST(fs::mount("scratch", target, "tmpfs", 0, "size=1m"));
        fs::RefPtr<fs::OpenFile> file =
            MUST(fs::open(lookup, "/tmp/mount-test/file", fs::open_write_only | fs::open_create, 0644));
        char bytes[4096] = {1};
        KEXPECT_EQ(MUST(file->write(fs::IoBuffer::kernel(static_cast<const void*>(bytes)), sizeof bytes)),
                   sizeof bytes);
        MUST(fs::make_directory(lookup, "/tmp/mount-test/directory", 0755));
        // Busy while a description is open inside.
        fs::Path mounted = MUST(fs::resolve(lookup, "/tmp/mount-test"));
        KEXPECT(fs::unmount(mounted, 0).is_error());
    }
    KEXPECT(fs::tmpfs::inode_count() > inodes_before);
    KEXPECT(fs::tmpfs::page_count() > pages_before);
    fs::Path mounted = MUST(fs::resolve(lookup, "/tmp/mount-test"));
    KEXPECT(!fs::unmount(static_cast<fs::Path&&>(mounted), 0).is_error());
    KEXPECT_EQ(fs::tmpfs::inode_count(), inodes_before);
    KEXPECT_EQ(fs::tmpfs::page_count(), pages_before);
    // The directory underneath is back.
    KEXPECT(fs::resolve(lookup, "/tmp/mount-test/file").is_error());
    KEXPECT(!fs::remove(lookup, "/tmp/mount-test", true).is_error());
}
