// The disk metrics (operations.h): files on a block device's file system, each operation checking
// what it read or wrote, so a kernel that skips the device cannot look fast.
#include "operations.h"
#include "support.h"

#include "sys/raw_syscall.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace bench {

namespace {

// One chunk of the sequential files: block contents for offset 0 everywhere, each block's first
// word stamped for its place before it is written or compared.
alignas(4096) unsigned char chunk[kDiskChunk];
alignas(4096) unsigned char chunk_read[kDiskChunk];

void fill_chunk(uint64_t salt) {
    for (long at = 0; at < kDiskChunk; at += kFileBlock)
        fill_block(chunk + at, salt, 0);
}

void stamp_chunk(uint64_t salt, uint64_t offset) {
    for (long at = 0; at < kDiskChunk; at += kFileBlock)
        stamp_block(chunk + at, salt, offset + static_cast<uint64_t>(at));
}

// True iff each block of `data` (a chunk read at `offset`) starts and ends as written.
bool chunk_words_match(const unsigned char* data, uint64_t salt, uint64_t offset) {
    for (long at = 0; at < kDiskChunk; at += kFileBlock) {
        if (first_word(data + at) != file_word(salt, offset + static_cast<uint64_t>(at)) ||
            first_word(data + at + kFileBlock - 8) != file_word(salt, static_cast<uint64_t>(kFileBlock - 8)))
            return false;
    }
    return true;
}

// Every byte of a sequential file: the chunks as written.
bool sequential_file_matches(const char* operation, int fd, uint64_t salt, long bytes) {
    struct stat status {};
    if (fstat(fd, &status) != 0)
        return fail_errno(operation, "fstat", errno);
    if (status.st_size != bytes)
        return fail(operation, "the file does not have the size written");
    fill_chunk(salt);
    for (long offset = 0; offset < bytes; offset += kDiskChunk) {
        stamp_chunk(salt, static_cast<uint64_t>(offset));
        if (pread(fd, chunk_read, kDiskChunk, offset) != kDiskChunk)
            return fail_errno(operation, "pread while checking", errno);
        if (memcmp(chunk, chunk_read, kDiskChunk) != 0)
            return fail(operation, "a chunk did not read back as written");
    }
    return true;
}

bool sync_file_system(const char* operation, const char* directory) {
    Fd fd(open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid())
        return fail_errno(operation, "open of the mount point", errno);
    if (syncfs(fd.get()) != 0)
        return fail_errno(operation, "syncfs", errno);
    return true;
}

bool valid_disk_size(const char* operation, long bytes) {
    if (bytes <= 0 || bytes % kDiskChunk != 0)
        return fail(operation, "the size is not a positive number of chunks");
    return true;
}

bool load_modules(const char* list) {
    Fd file(open(list, O_RDONLY | O_CLOEXEC));
    if (!file.valid())
        return fail_errno("disk", "open of the module list", errno);
    char text[4096];
    ssize_t length = read(file.get(), text, sizeof text - 1);
    if (length < 0)
        return fail_errno("disk", "read of the module list", errno);
    text[length] = '\0';
    for (char* line = strtok(text, "\n"); line != nullptr; line = strtok(nullptr, "\n")) {
        Fd module(open(line, O_RDONLY | O_CLOEXEC));
        if (!module.valid())
            return fail_errno("disk", line, errno);
        if (syscall(SYS_finit_module, module.get(), "", 0) != 0 && errno != EEXIST) {
            fprintf(stderr, "bench disk: finit_module of %s failed: %s\n", line, strerror(errno));
            return false;
        }
    }
    return true;
}

bool wait_for(const char* path) {
    struct stat status {};
    for (int attempt = 0; attempt < 1000; ++attempt) {
        if (stat(path, &status) == 0)
            return true;
        usleep(10'000);
    }
    return false;
}

} // namespace

bool Disk::attach(const char* device, const char* type, const char* mount_point, const char* module_list) {
    m_device = device;
    m_type = type;
    m_mount_point = mount_point;
    if (module_list != nullptr && !load_modules(module_list))
        return false;
    struct stat status {};
    if (stat(device, &status) != 0 && mount("devtmpfs", "/dev", "devtmpfs", 0, nullptr) != 0 &&
        errno != EBUSY)
        return fail_errno("disk", "mount of devtmpfs on /dev", errno);
    if (!wait_for(device))
        return fail("disk", "the disk's device node did not appear in 10 s");
    if (stat(device, &status) != 0 || !S_ISBLK(status.st_mode))
        return fail("disk", "the disk's device node is not a block device");
    if (mkdir(mount_point, 0755) != 0 && errno != EEXIST)
        return fail_errno("disk", "mkdir of the mount point", errno);
    if (mount(device, mount_point, type, 0, nullptr) != 0)
        return fail_errno("disk", "mount", errno);
    m_mounted = true;
    return true;
}

bool Disk::detach() {
    if (!m_mounted)
        return true;
    if (umount(m_mount_point) != 0)
        return fail_errno("disk", "umount", errno);
    m_mounted = false;
    return true;
}

bool Disk::remount(const char* operation) {
    if (umount(m_mount_point) != 0) {
        m_mounted = false;
        return fail_errno(operation, "umount", errno);
    }
    if (mount(m_device, m_mount_point, m_type, 0, nullptr) != 0) {
        m_mounted = false;
        return fail_errno(operation, "mount again", errno);
    }
    return true;
}

Outcome disk_write_sequential(Disk& disk, long bytes) {
    constexpr const char* operation = "disk-write-seq";
    if (!valid_disk_size(operation, bytes))
        return failed();
    Path path(disk.mount_point(), "sequential-write");
    const uint64_t salt = new_salt();
    fill_chunk(salt);
    Fd fd(create_file(operation, path));
    if (!fd.valid())
        return failed();
    Stopwatch watch;
    watch.start();
    bool ok = true;
    for (long offset = 0; offset < bytes && ok; offset += kDiskChunk) {
        stamp_chunk(salt, static_cast<uint64_t>(offset));
        ok = write(fd.get(), chunk, kDiskChunk) == kDiskChunk;
    }
    if (!ok)
        return fail_errno(operation, "write", errno), failed();
    if (fsync(fd.get()) != 0)
        return fail_errno(operation, "fsync", errno), failed();
    watch.stop();
    ok = sequential_file_matches(operation, fd.get(), salt, bytes);
    fd.reset();
    // Its blocks free again before the next round, which must allocate as this one did.
    if (!remove_file(operation, path) || !sync_file_system(operation, disk.mount_point()) || !ok)
        return failed();
    return watch.done();
}

bool make_disk_file(Disk& disk, long bytes, uint64_t& salt) {
    constexpr const char* operation = "disk-read";
    if (!valid_disk_size(operation, bytes))
        return false;
    Path path(disk.mount_point(), "sequential-read");
    salt = new_salt();
    fill_chunk(salt);
    Fd fd(create_file(operation, path));
    if (!fd.valid())
        return false;
    for (long offset = 0; offset < bytes; offset += kDiskChunk) {
        stamp_chunk(salt, static_cast<uint64_t>(offset));
        if (write(fd.get(), chunk, kDiskChunk) != kDiskChunk)
            return fail_errno(operation, "write", errno);
    }
    if (fsync(fd.get()) != 0)
        return fail_errno(operation, "fsync", errno);
    return sequential_file_matches(operation, fd.get(), salt, bytes);
}

bool remove_disk_file(Disk& disk) {
    return remove_file("disk-read", Path(disk.mount_point(), "sequential-read"));
}

Outcome disk_read_sequential(Disk& disk, long bytes, uint64_t salt) {
    constexpr const char* operation = "disk-read-seq";
    if (!valid_disk_size(operation, bytes) || !disk.remount(operation))
        return failed();
    Path path(disk.mount_point(), "sequential-read");
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return fail_errno(operation, "open", errno), failed();
    Stopwatch watch;
    watch.start();
    for (long offset = 0; offset < bytes; offset += kDiskChunk) {
        if (read(fd.get(), chunk_read, kDiskChunk) != kDiskChunk ||
            !chunk_words_match(chunk_read, salt, static_cast<uint64_t>(offset)))
            return fail(operation, "a read came back short or from the wrong place"), failed();
    }
    watch.stop();
    unsigned char extra = 0;
    if (read(fd.get(), &extra, 1) != 0)
        return fail(operation, "the file did not end where it was written to"), failed();
    return watch.done();
}

Outcome disk_read_random(Disk& disk, long bytes, uint64_t salt, long count) {
    constexpr const char* operation = "disk-read-random-4k";
    if (!valid_disk_size(operation, bytes) || !disk.remount(operation))
        return failed();
    Path path(disk.mount_point(), "sequential-read");
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return fail_errno(operation, "open", errno), failed();
    const uint64_t blocks = static_cast<uint64_t>(bytes / kFileBlock);
    // The same places every round and on both kernels: a fixed linear congruential sequence.
    uint64_t state = 0x2545f4914f6cdd1du;
    alignas(64) unsigned char block[kFileBlock];
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        const uint64_t offset = ((state >> 33) % blocks) * kFileBlock;
        if (pread(fd.get(), block, kFileBlock, static_cast<off_t>(offset)) != kFileBlock ||
            first_word(block) != file_word(salt, offset))
            return fail(operation, "a read came back short or from the wrong place"), failed();
    }
    watch.stop();
    return watch.done();
}

Outcome disk_create_delete(Disk& disk, long files) {
    constexpr const char* operation = "disk-create-delete";
    Path directory(disk.mount_point(), "small-files");
    if (!directory.fits() || (mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST))
        return fail_errno(operation, "mkdir", errno), failed();
    const uint64_t salt = new_salt();
    alignas(64) unsigned char block[kFileBlock];
    fill_block(block, salt, 0);
    char name[32];
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < files; ++i) {
        snprintf(name, sizeof name, "file%05ld", i);
        Path path(directory.c_str(), name);
        int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            return fail_errno(operation, "open(O_CREAT|O_EXCL)", errno), failed();
        stamp_block(block, salt, static_cast<uint64_t>(i));
        bool written = write(fd, block, kFileBlock) == kFileBlock;
        if (close(fd) != 0 || !written)
            return fail_errno(operation, "write and close", errno), failed();
    }
    watch.stop();
    // Untimed: every file is there with its own contents.
    for (long i = 0; i < files; ++i) {
        snprintf(name, sizeof name, "file%05ld", i);
        Path path(directory.c_str(), name);
        Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd.valid() || pread(fd.get(), block, kFileBlock, 0) != kFileBlock ||
            first_word(block) != file_word(salt, static_cast<uint64_t>(i)))
            return fail(operation, "a created file is missing or does not hold what was written"), failed();
    }
    watch.start();
    for (long i = 0; i < files; ++i) {
        snprintf(name, sizeof name, "file%05ld", i);
        if (unlink(Path(directory.c_str(), name).c_str()) != 0)
            return fail_errno(operation, "unlink", errno), failed();
    }
    watch.stop();
    if (rmdir(directory.c_str()) != 0)
        return fail_errno(operation, "rmdir (a file left behind?)", errno), failed();
    if (!sync_file_system(operation, disk.mount_point()))
        return failed();
    return watch.done();
}

Outcome disk_fsync(Disk& disk, long count) {
    constexpr const char* operation = "disk-fsync";
    Path path(disk.mount_point(), "synced");
    Fd fd(create_file(operation, path));
    if (!fd.valid())
        return failed();
    const uint64_t salt = new_salt();
    alignas(64) unsigned char block[kFileBlock];
    fill_block(block, salt, 0);
    constexpr long kBlocks = 16;
    Stopwatch watch;
    watch.start();
    for (long i = 0; i < count; ++i) {
        const uint64_t offset = static_cast<uint64_t>(i % kBlocks) * kFileBlock;
        stamp_block(block, salt, offset + static_cast<uint64_t>(i));
        if (pwrite(fd.get(), block, kFileBlock, static_cast<off_t>(offset)) != kFileBlock)
            return fail_errno(operation, "pwrite", errno), failed();
        if (fsync(fd.get()) != 0)
            return fail_errno(operation, "fsync", errno), failed();
    }
    watch.stop();
    // The last write to each block is what it holds.
    for (long i = count - kBlocks > 0 ? count - kBlocks : 0; i < count; ++i) {
        const uint64_t offset = static_cast<uint64_t>(i % kBlocks) * kFileBlock;
        if (pread(fd.get(), block, kFileBlock, static_cast<off_t>(offset)) != kFileBlock ||
            first_word(block) != file_word(salt, offset + static_cast<uint64_t>(i)))
            return fail(operation, "a block does not hold its last write"), failed();
    }
    fd.reset();
    if (!remove_file(operation, path))
        return failed();
    return watch.done();
}

Outcome disk_fsync_busy(Disk& disk, long count, long busy_bytes) {
    constexpr const char* operation = "disk-fsync-busy";
    if (!valid_disk_size(operation, busy_bytes))
        return failed();
    Path busy_path(disk.mount_point(), "busy");
    Path path(disk.mount_point(), "synced-beside-busy");
    Fd busy(create_file(operation, busy_path));
    Fd fd(create_file(operation, path));
    if (!busy.valid() || !fd.valid())
        return failed();
    const uint64_t salt = new_salt();
    // Untimed: the file's 16 blocks allocated and on the disk, as disk-fsync's are after its first 16
    // writes, so a timed write neither allocates nor grows it (nor makes the host allocate in a sparse
    // image); and the flush empties the device's cache of earlier rounds.
    if (!write_contents(operation, fd.get(), salt, 16 * kFileBlock) || fsync(fd.get()) != 0)
        return fail_errno(operation, "making the file", errno), failed();
    alignas(64) unsigned char block[kFileBlock];
    fill_block(block, salt, 0);
    fill_chunk(salt);
    Stopwatch watch;
    for (long i = 0; i < count; ++i) {
        // Untimed: the other file's pages dirty again (written, never synced).
        for (long offset = 0; offset < busy_bytes; offset += kDiskChunk) {
            stamp_chunk(salt, static_cast<uint64_t>(offset + i));
            if (pwrite(busy.get(), chunk, kDiskChunk, offset) != kDiskChunk)
                return fail_errno(operation, "pwrite of the busy file", errno), failed();
        }
        const uint64_t offset = static_cast<uint64_t>(i % 16) * kFileBlock;
        stamp_block(block, salt, offset + static_cast<uint64_t>(i));
        watch.start();
        if (pwrite(fd.get(), block, kFileBlock, static_cast<off_t>(offset)) != kFileBlock)
            return fail_errno(operation, "pwrite", errno), failed();
        if (fsync(fd.get()) != 0)
            return fail_errno(operation, "fsync", errno), failed();
        watch.stop();
        if (pread(fd.get(), block, kFileBlock, static_cast<off_t>(offset)) != kFileBlock ||
            first_word(block) != file_word(salt, offset + static_cast<uint64_t>(i)))
            return fail(operation, "a block does not hold its last write"), failed();
    }
    struct stat status {};
    if (fstat(busy.get(), &status) != 0 || status.st_size != busy_bytes)
        return fail(operation, "the busy file does not have the size written"), failed();
    busy.reset();
    fd.reset();
    if (!remove_file(operation, busy_path) || !remove_file(operation, path) ||
        !sync_file_system(operation, disk.mount_point()))
        return failed();
    return watch.done();
}

} // namespace bench
