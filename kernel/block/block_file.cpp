// Open block device nodes: read(2), write(2), pread/pwrite, lseek and the block ioctls, all through
// the block cache, and fsync writing the device's dirty pages. Installed as the VFS's block opener by
// block::initialize().
#include "block/block_file.h"

#include "block/block_cache.h"
#include "block/block_device.h"
#include "block/partitions.h"
#include "fs/block_node.h"
#include "fs/open_file.h"
#include "ktl/vector.h"
#include "mm/user_memory.h"
#include "proc/process.h"
#include "sync/mutex.h"

namespace block {

namespace {

constexpr size_t chunk_bytes = 4096;

// Linux's block ioctls (include/uapi/linux/fs.h).
enum : uint64_t {
    blkroset = 0x125d,
    blkroget = 0x125e,
    blkrrpart = 0x125f,
    blkgetsize = 0x1260,
    blkflsbuf = 0x1261,
    blksszget = 0x1268,
    blkiomin = 0x1278,
    blkioopt = 0x1279,
    blkpbszget = 0x127b,
    blkbszget = 0x80081270,    // _IOR(0x12, 112, size_t)
    blkgetsize64 = 0x80081272, // _IOR(0x12, 114, size_t)
};

class BlockDeviceFile final : public fs::OpenFile {
public:
    BlockDeviceFile(fs::RefPtr<fs::Inode> inode, uint32_t flags, ktl::RefPtr<BlockDevice> device)
        : OpenFile(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags),
          m_device(static_cast<ktl::RefPtr<BlockDevice>&&>(device)) {}

    ktl::ErrorOr<size_t> read(fs::IoBuffer buffer, size_t length) override {
        sync::MutexLocker locker(m_position_lock);
        size_t done = TRY(read_at(m_position, buffer, length));
        m_position += done;
        return done;
    }

    ktl::ErrorOr<size_t> write(fs::IoBuffer buffer, size_t length) override {
        sync::MutexLocker locker(m_position_lock);
        size_t done = TRY(write_at(m_position, buffer, length));
        m_position += done;
        return done;
    }

    // Through at most a page on the heap: the user's buffer is copied fault-safely outside the cache's locks.
    ktl::ErrorOr<size_t> read_at(uint64_t offset, fs::IoBuffer buffer, size_t length) override {
        if (!can_read())
            return ktl::Errno::BadFileDescriptor;
        ktl::Vector<uint8_t> staging;
        TRY(staging.try_resize(length < chunk_bytes ? length : chunk_bytes));
        uint8_t* chunk = staging.data();
        size_t done = 0;
        while (done < length) {
            size_t part = length - done < chunk_bytes ? length - done : chunk_bytes;
            auto got = block::read(*m_device, offset + done, chunk, part);
            if (got.is_error())
                return done > 0 ? ktl::ErrorOr<size_t>(done) : got;
            if (got.value() == 0)
                break;
            if (auto copied = buffer.write(chunk, got.value(), done); copied.is_error())
                return done > 0 ? ktl::ErrorOr<size_t>(done) : ktl::ErrorOr<size_t>(copied.error());
            done += got.value();
            if (got.value() < part)
                break;
        }
        return done;
    }

    ktl::ErrorOr<size_t> write_at(uint64_t offset, fs::IoBuffer buffer, size_t length) override {
        if (!can_write())
            return ktl::Errno::BadFileDescriptor;
        if (m_device->is_read_only())
            return ktl::Errno::ReadOnlyFilesystem;
        ktl::Vector<uint8_t> staging;
        TRY(staging.try_resize(length < chunk_bytes ? length : chunk_bytes));
        uint8_t* chunk = staging.data();
        size_t done = 0;
        while (done < length) {
            size_t part = length - done < chunk_bytes ? length - done : chunk_bytes;
            if (auto copied = buffer.read(chunk, part, done); copied.is_error())
                return done > 0 ? ktl::ErrorOr<size_t>(done) : ktl::ErrorOr<size_t>(copied.error());
            auto written = block::write(*m_device, offset + done, chunk, part);
            if (written.is_error())
                return done > 0 ? ktl::ErrorOr<size_t>(done) : written;
            done += written.value();
            if (written.value() < part)
                break;
        }
        if (flags() & fs::open_data_sync)
            TRY(sync_device(*m_device)); // O_SYNC/O_DSYNC: on the medium before write returns
        return done;
    }

    ktl::ErrorOr<int64_t> seek(int64_t offset, fs::Whence whence) override {
        sync::MutexLocker locker(m_position_lock);
        int64_t size = static_cast<int64_t>(m_device->size());
        int64_t base = 0;
        switch (whence) {
        case fs::Whence::Set:
            break;
        case fs::Whence::Current:
            base = static_cast<int64_t>(m_position);
            break;
        case fs::Whence::End:
            base = size;
            break;
        case fs::Whence::Data:
        case fs::Whence::Hole:
            // A device is all data: SEEK_DATA stays, SEEK_HOLE goes to the end.
            if (offset < 0 || offset >= size)
                return ktl::Errno::NoDeviceOrAddress;
            if (whence == fs::Whence::Hole)
                offset = size;
            break;
        default:
            return ktl::Errno::InvalidArgument;
        }
        if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
            return ktl::Errno::InvalidArgument;
        m_position = static_cast<uint64_t>(base + offset);
        return static_cast<int64_t>(m_position);
    }

    ktl::ErrorOr<long> ioctl(uint64_t request, uint64_t argument) override {
        BlockDevice& device = *m_device;
        switch (request) {
        case blkgetsize64:
            return put<uint64_t>(argument, device.size());
        case blkgetsize:
            return put<unsigned long>(argument, device.sectors());
        case blksszget:
            return put<int>(argument, static_cast<int>(device.logical_block_size()));
        case blkpbszget:
            return put<unsigned int>(argument, device.physical_block_size());
        case blkiomin:
            return put<unsigned int>(argument, device.physical_block_size());
        case blkioopt:
            return put<unsigned int>(argument, 0);
        case blkbszget:
            return put<int>(argument, static_cast<int>(chunk_bytes));
        case blkroget:
            return put<int>(argument, device.is_read_only() ? 1 : 0);
        case blkflsbuf:
            if (!caller_is_administrator())
                return ktl::Errno::AccessDenied; // EACCES, as Linux without CAP_SYS_ADMIN
            TRY(invalidate_device(device));
            return 0;
        case blkrrpart:
            if (!caller_is_administrator())
                return ktl::Errno::AccessDenied;
            if (device.whole_disk())
                return ktl::Errno::InvalidArgument;
            TRY(rescan_partitions(device));
            return 0;
        default:
            return ktl::Errno::NotTerminal; // ENOTTY, as Linux says for an unknown request
        }
    }

    ktl::ErrorOr<void> sync(bool) override { return sync_device(*m_device); }
    ktl::ErrorOr<fs::RefPtr<mm::MappedObject>> mapping_object() override { return create_mapping(*m_device); }
    const char* kind() const override { return "block device"; }

private:
    // CAP_SYS_ADMIN, which dropping the cache and rereading the table need: the effective user is root.
    static bool caller_is_administrator() {
        proc::Process* process = proc::current_process();
        return process && process->identity().effective_uid == 0;
    }

    template <typename T>
    static ktl::ErrorOr<long> put(uint64_t argument, T value) {
        TRY(mm::copy_to_user(mm::UserPtr<T>(argument), &value));
        return 0;
    }

    ktl::RefPtr<BlockDevice> m_device;
    sync::Mutex m_position_lock;
    uint64_t m_position = 0;
};

ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open_block_node(fs::RefPtr<fs::Inode> inode, uint64_t number,
                                                       uint32_t flags) {
    ktl::RefPtr<BlockDevice> device = find_device(number);
    if (!device)
        return ktl::Errno::NoDeviceOrAddress;
    auto file = TRY(ktl::try_make_ref_counted<BlockDeviceFile>(
        static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags, static_cast<ktl::RefPtr<BlockDevice>&&>(device)));
    return fs::RefPtr<fs::OpenFile>(file.ptr());
}

} // namespace

void install_block_opener() {
    fs::set_block_device_opener(open_block_node);
}

} // namespace block
