// ext2 in the VFS (ext2fs.h). libs/ext2 keeps the on-disk structures; this file gives its inodes
// the fs::Inode interface, serialises the calls into it, and keeps one fs::Inode object per inode
// number so that locks, FIFOs and open-but-unlinked files behave as one file.
//
// Locks: `m_volume_lock` serialises every call into the library (its contract, libs/ext2/ext2.h);
// `m_inodes_lock` guards the number → object table and is taken inside it, never the other way. No
// fs::Inode reference is dropped while `m_volume_lock` is held, so an inode's destructor (which
// takes it to free an unlinked inode's storage) never runs under it.
#include "fs/ext2/ext2fs.h"

#include "block/block_cache.h"
#include "console/log.h"
#include "ext2/ext2.h"
#include "fs/pipe.h"
#include "fs/vfs.h"
#include "ktl/hash_map.h"
#include "ktl/own_ptr.h"
#include "ktl/vector.h"
#include "mm/address_space.h"
#include "mm/direct_map.h"
#include "mm/mapped_object.h"
#include "mm/physical.h"
#include "proc/process.h"
#include "sync/mutex.h"

#include <cstring>

namespace fs::ext2fs {

namespace {

constexpr ktl::StringView log_subsystem = "ext2";

// The library's blocks through the device's cache: one copy of each block in memory, shared with
// read(2) and write(2) of the device file, written back by the cache.
class CacheStore final : public ext2::BlockStore {
public:
    explicit CacheStore(block::BlockDevice& device) : m_device(device) {}
    uint64_t size() const override { return m_device.size(); }
    ktl::ErrorOr<void> read_block(uint64_t number, uint32_t size, uint8_t* buffer) override {
        block::BlockHandle block = TRY(block::get_block(m_device, number, size));
        memcpy(buffer, block.data(), size);
        return {};
    }
    ktl::ErrorOr<void> write_block(uint64_t number, uint32_t size, const uint8_t* buffer) override {
        block::BlockHandle block = TRY(block::get_block_for_overwrite(m_device, number, size));
        memcpy(block.data(), buffer, size);
        block.mark_dirty();
        return {};
    }
    ktl::ErrorOr<void> flush() override { return block::sync_device(m_device); }
    // File reads copy from the cached page itself; the library borrows one block at a time.
    ktl::ErrorOr<const uint8_t*> borrow_block(uint64_t number, uint32_t size) override {
        if (m_borrowed)
            return ktl::Errno::NotSupported;
        m_borrowed = TRY(block::get_block(m_device, number, size));
        return m_borrowed.data();
    }
    void return_block(uint64_t, uint32_t) override { m_borrowed.release(); }

private:
    block::BlockDevice& m_device;
    block::BlockHandle m_borrowed; // the volume lock serialises the library's calls, so this too
};

class WallClock final : public ext2::Clock {
public:
    int64_t now() override { return current_time().seconds; }
};

// The devices mounted now: a second mount of one is Busy (Linux would share the superblock).
constinit sync::MutexProtected<ktl::Vector<uint64_t>> mounted_devices;

void forget_mounted_device(uint64_t number) {
    mounted_devices.with([&](ktl::Vector<uint64_t>& devices) {
        for (size_t i = 0; i < devices.size(); ++i) {
            if (devices[i] == number) {
                devices.remove(i);
                return;
            }
        }
    });
}

class Ext2Inode;
class Ext2Mapping;

class Ext2FileSystem final : public FileSystem {
public:
    Ext2FileSystem(ktl::RefPtr<block::BlockDevice> device)
        : FileSystem(device->device_number()),
          m_device(static_cast<ktl::RefPtr<block::BlockDevice>&&>(device)), m_store(*m_device) {}
    ~Ext2FileSystem() override;

    ktl::ErrorOr<void> start(bool read_only);

    RefPtr<Inode> root() override;
    ktl::StringView type_name() const override { return "ext2"; }
    ktl::ErrorOr<void> statistics(FileSystemStatistics& statistics) override;
    ktl::ErrorOr<void> sync() override;
    ktl::ErrorOr<void> power_off() override;
    void detached() override;
    void describe_options(ktl::FormatSink& sink) const override { sink.write(m_read_only ? "ro" : "rw"); }

    // The object for inode `number`, made if nobody holds one.
    ktl::ErrorOr<RefPtr<Inode>> inode(ext2::InodeNumber number);
    // Runs `call` on the library under the volume lock.
    template <typename Call>
    auto locked(Call&& call) {
        sync::MutexLocker locker(m_volume_lock);
        return call(*m_volume);
    }
    // After an unlink or rename took the last name of `gone`: frees it now unless an object holds
    // it (its destructor frees it then). Called with the volume lock held.
    void release_if_unreferenced(const ext2::Unlinked& gone);
    // An Ext2Inode is going: out of the table, and its storage freed if it has no name left.
    void forget(Ext2Inode& inode);
    // Frees inode `number` if it has no name left; one that cannot be freed now (no memory for the
    // blocks it must read, an I/O error) is kept in m_unfreed. Called with the volume lock held.
    void free_if_unlinked(uint32_t number);
    // m_unfreed's inodes freed again (at every sync); true when none is left. Volume lock held.
    bool retry_unfreed();
    uint32_t block_size() const { return m_block_size; }
    bool is_read_only() const { return m_read_only; }
    block::BlockDevice& device() { return *m_device; }
    // Mappings of this file system's files now. While there are any, a transfer brings its user
    // pages in before it takes the volume lock: a fault on a mapped ext2 page needs that lock too.
    void mapping_added() { __atomic_add_fetch(&m_mappings, 1, __ATOMIC_RELAXED); }
    void mapping_removed() { __atomic_sub_fetch(&m_mappings, 1, __ATOMIC_RELAXED); }
    bool has_mappings() const { return __atomic_load_n(&m_mappings, __ATOMIC_RELAXED) != 0; }

private:
    ktl::RefPtr<block::BlockDevice> m_device;
    CacheStore m_store;
    WallClock m_clock;
    sync::Mutex m_volume_lock;
    ktl::OwnPtr<ext2::FileSystem> m_volume;
    sync::Mutex m_inodes_lock;
    ktl::HashMap<uint32_t, Ext2Inode*> m_inodes;
    // Inodes with no name and no holder whose freeing failed, so their blocks do not stay lost until
    // fsck: tried again at every sync; the volume is not marked clean while any is left. Guarded by
    // the volume lock.
    ktl::Vector<uint32_t> m_unfreed;
    RefPtr<Inode> m_root; // held while mounted
    uint32_t m_block_size = 0;
    bool m_read_only = false;
    uint32_t m_mappings = 0;
};

InodeMetadata convert(const ext2::Metadata& from, uint64_t device, uint32_t block_size) {
    InodeMetadata to;
    to.device = device;
    to.inode = from.inode;
    to.mode = from.mode;
    to.link_count = from.link_count;
    to.uid = from.uid;
    to.gid = from.gid;
    to.rdev = make_device(from.device_major, from.device_minor);
    to.size = from.size;
    to.blocks = from.blocks;
    to.block_size = block_size;
    to.access_time = {from.access_time, 0};
    to.modify_time = {from.modify_time, 0};
    to.change_time = {from.change_time, 0};
    return to;
}

ext2::NewInode convert(const NewInode& from) {
    return {static_cast<uint16_t>(from.mode), from.uid, from.gid, device_major(from.rdev),
            device_minor(from.rdev)};
}

class Ext2Inode final : public Inode {
public:
    Ext2Inode(Ext2FileSystem& file_system, ext2::InodeNumber number, const ext2::Metadata& metadata)
        : Inode(file_system, number), m_type(metadata.mode & mode_type_mask) {
        set_access(metadata.mode, metadata.uid, metadata.gid);
    }
    ~Ext2Inode() override { volume().forget(*this); }

    ext2::InodeNumber ext2_number() const { return static_cast<ext2::InodeNumber>(number()); }

    InodeMetadata metadata() override {
        auto metadata = volume().locked([&](ext2::FileSystem& fs) { return fs.metadata(ext2_number()); });
        // An inode that cannot be read any more (the device failed) keeps its type and no size.
        if (metadata.is_error()) {
            InodeMetadata fallback;
            fallback.device = file_system().device();
            fallback.inode = number();
            fallback.mode = m_type;
            return fallback;
        }
        return convert(metadata.value(), file_system().device(), volume().block_size());
    }

    ktl::ErrorOr<size_t> read_at(uint64_t offset, IoBuffer buffer, size_t length) override {
        if (m_type == mode_directory)
            return ktl::Errno::IsDirectory;
        if (m_type != mode_regular)
            return ktl::Errno::InvalidArgument;
        prefault_if_mapped(buffer, length, true);
        size_t done = 0;
        return volume().locked([&](ext2::FileSystem& fs) {
            return fs.read(ext2_number(), offset, length,
                           [&](const uint8_t* bytes, size_t count) -> ktl::ErrorOr<void> {
                               TRY(buffer.write(bytes, count, done));
                               done += count;
                               return {};
                           });
        });
    }

    ktl::ErrorOr<size_t> write_at(uint64_t offset, IoBuffer buffer, size_t length) override {
        if (m_type == mode_directory)
            return ktl::Errno::IsDirectory;
        if (m_type != mode_regular)
            return ktl::Errno::InvalidArgument;
        uint64_t end = 0;
        return write_bytes(buffer, length, false, offset, end);
    }

    ktl::ErrorOr<size_t> append(IoBuffer buffer, size_t length, uint64_t& end) override {
        if (m_type != mode_regular)
            return ktl::Errno::InvalidArgument;
        return write_bytes(buffer, length, true, 0, end);
    }

    ktl::ErrorOr<void> truncate(uint64_t size) override {
        if (m_type == mode_directory)
            return ktl::Errno::IsDirectory;
        // A mapping pins the cache pages of its file's blocks: freed by the truncation, a block could
        // go to another file while still mapped here. So, as Linux: faults stop at the new end, every
        // mapping loses the pages past it (unmap_object_pages), the mappings let go of them, and
        // only then are the blocks freed. One truncation at a time: the limit below is its own.
        sync::MutexLocker truncate_locker(m_truncate_lock);
        const uint64_t first_gone = (size + mapping_page_size - 1) / mapping_page_size;
        bool mapped;
        {
            sync::MutexLocker map_locker(m_map_lock);
            mapped = !m_mappings.is_empty();
            m_fault_limit = first_gone; // a mapping made meanwhile gets nothing past it either
        }
        // Without the map lock: a fault holds its address space's lock and then takes it.
        if (mapped)
            mm::unmap_object_pages(this, first_gone, ~uint64_t(0));
        sync::MutexLocker map_locker(m_map_lock);
        release_mapped_pages_from(first_gone);
        note_datasync_change(); // before: a failure midway may have freed blocks
        auto truncated =
            volume().locked([&](ext2::FileSystem& fs) { return fs.truncate(ext2_number(), size); });
        m_fault_limit = no_fault_limit;
        TRY(truncated);
        content_changed();
        return {};
    }

    ktl::ErrorOr<void> allocate(uint64_t offset, uint64_t length) override {
        if (m_type == mode_directory)
            return ktl::Errno::IsDirectory;
        note_datasync_change();
        return volume().locked(
            [&](ext2::FileSystem& fs) { return fs.allocate(ext2_number(), offset, length); });
    }

    ktl::ErrorOr<void> set_attributes(const AttributeChange& change) override {
        ext2::AttributeChange to;
        to.which = change.which; // the same bits
        to.mode = static_cast<uint16_t>(change.mode & mode_permissions);
        to.uid = change.uid;
        to.gid = change.gid;
        to.access_time = change.access_time.seconds;
        to.modify_time = change.modify_time.seconds;
        to.change_time = change.change_time.seconds;
        // Linux's I_DIRTY_DATASYNC: an owner or mode change is more than a timestamp.
        if (change.which &
            (ext2::AttributeChange::Mode | ext2::AttributeChange::Uid | ext2::AttributeChange::Gid))
            note_datasync_change();
        auto metadata = TRY(volume().locked([&](ext2::FileSystem& fs) -> ktl::ErrorOr<ext2::Metadata> {
            TRY(fs.set_attributes(ext2_number(), to));
            return fs.metadata(ext2_number());
        }));
        set_access(metadata.mode, metadata.uid, metadata.gid);
        return {};
    }

    ktl::ErrorOr<RefPtr<Inode>> lookup(ktl::StringView name) override {
        if (m_type != mode_directory)
            return ktl::Errno::NotDirectory;
        ext2::InodeNumber found =
            TRY(volume().locked([&](ext2::FileSystem& fs) { return fs.lookup(ext2_number(), name); }));
        return volume().inode(found);
    }

    ktl::ErrorOr<RefPtr<Inode>> create(ktl::StringView name, const NewInode& what) override {
        if (m_type != mode_directory)
            return ktl::Errno::NotDirectory;
        ext2::InodeNumber made = TRY(volume().locked(
            [&](ext2::FileSystem& fs) { return fs.create(ext2_number(), name, convert(what)); }));
        return volume().inode(made);
    }

    ktl::ErrorOr<RefPtr<Inode>> create_symlink(ktl::StringView name, ktl::StringView target,
                                               const NewInode& what) override {
        if (m_type != mode_directory)
            return ktl::Errno::NotDirectory;
        ext2::InodeNumber made = TRY(volume().locked(
            [&](ext2::FileSystem& fs) { return fs.symlink(ext2_number(), name, target, convert(what)); }));
        return volume().inode(made);
    }

    ktl::ErrorOr<void> link(ktl::StringView name, Inode& target) override {
        if (&target.file_system() != &file_system())
            return ktl::Errno::CrossDevice;
        auto& other = static_cast<Ext2Inode&>(target);
        return volume().locked(
            [&](ext2::FileSystem& fs) { return fs.link(ext2_number(), name, other.ext2_number()); });
    }

    ktl::ErrorOr<void> unlink(ktl::StringView name, bool directory) override {
        return volume().locked([&](ext2::FileSystem& fs) -> ktl::ErrorOr<void> {
            ext2::Unlinked gone = TRY(fs.unlink(ext2_number(), name, directory));
            volume().release_if_unreferenced(gone);
            return {};
        });
    }

    ktl::ErrorOr<void> rename(ktl::StringView old_name, Inode& new_directory,
                              ktl::StringView new_name) override {
        if (&new_directory.file_system() != &file_system())
            return ktl::Errno::CrossDevice;
        auto& target = static_cast<Ext2Inode&>(new_directory);
        return volume().locked([&](ext2::FileSystem& fs) -> ktl::ErrorOr<void> {
            ext2::Unlinked replaced = TRY(fs.rename(ext2_number(), old_name, target.ext2_number(), new_name));
            volume().release_if_unreferenced(replaced);
            return {};
        });
    }

    ktl::ErrorOr<void> exchange(ktl::StringView name, Inode& other_directory,
                                ktl::StringView other_name) override {
        if (&other_directory.file_system() != &file_system())
            return ktl::Errno::CrossDevice;
        auto& other = static_cast<Ext2Inode&>(other_directory);
        return volume().locked([&](ext2::FileSystem& fs) {
            return fs.exchange(ext2_number(), name, other.ext2_number(), other_name);
        });
    }

    ktl::ErrorOr<void> read_directory(uint64_t cookie,
                                      ktl::FunctionRef<bool(const DirectoryEntry&)> emit) override {
        if (m_type != mode_directory)
            return ktl::Errno::NotDirectory;
        return volume().locked([&](ext2::FileSystem& fs) {
            return fs.read_directory(ext2_number(), cookie, [&](const ext2::DirectoryEntry& entry) {
                return emit({entry.name, entry.inode, entry.type, entry.next_cookie});
            });
        });
    }

    ktl::ErrorOr<ktl::String> link_target() override {
        if (m_type != mode_symlink)
            return ktl::Errno::InvalidArgument;
        return volume().locked([&](ext2::FileSystem& fs) { return fs.readlink(ext2_number()); });
    }

    ktl::ErrorOr<RefPtr<OpenFile>> open_special(uint32_t flags) override {
        if (m_type == mode_fifo)
            return open_fifo(*this, m_fifo, flags);
        return RefPtr<OpenFile>();
    }

    ktl::ErrorOr<RefPtr<mm::MappedObject>> create_mapping() override;
    // The page of file page `index` for a mapping (Ext2Mapping::frame_for), with m_map_lock held.
    ktl::ErrorOr<block::BlockHandle> page_for_mapping(uint64_t index, mm::MappedObject::Access access);
    // A new frame holding file page `index` (zeros past the end of the file), for small blocks.
    ktl::ErrorOr<uint64_t> copy_for_mapping(uint64_t index);
    // Pages stored into through shared mappings are dirty again at every sync: stores leave no trace.
    void redirty_mapped_pages();
    void file_written() { content_changed(); }
    ktl::ErrorOr<void> sync(bool data_only) override;

private:
    // What fdatasync cares about in the inode (Linux's I_DIRTY_DATASYNC): its size and its blocks.
    struct Footprint {
        uint64_t size = 0;
        uint64_t blocks = 0;
    };
    ktl::ErrorOr<Footprint> footprint(ext2::FileSystem& fs) {
        ext2::Metadata metadata = TRY(fs.metadata(ext2_number()));
        return Footprint{metadata.size, metadata.blocks};
    }
    // After a write (successful or not): a changed size or block count makes the inode part of
    // the next fdatasync; a write inside the file's blocks changes only timestamps.
    void note_if_grown(ext2::FileSystem& fs, const Footprint& before) {
        auto after = footprint(fs);
        if (after.is_error() || after.value().size != before.size || after.value().blocks != before.blocks)
            note_datasync_change();
    }
    void note_datasync_change() { __atomic_store_n(&m_datasync_dirty, true, __ATOMIC_RELEASE); }
    // write_at and append: `length` bytes of `buffer` at `offset`, or at the file's end when
    // `at_end`; `end` gets where the write ended. A size or block change is noted for fdatasync.
    ktl::ErrorOr<size_t> write_bytes(IoBuffer buffer, size_t length, bool at_end, uint64_t offset,
                                     uint64_t& end) {
        prefault_if_mapped(buffer, length, false);
        size_t done = 0;
        auto written = volume().locked([&](ext2::FileSystem& fs) -> ktl::ErrorOr<size_t> {
            Footprint before = TRY(footprint(fs));
            uint64_t at = at_end ? before.size : offset;
            auto count =
                fs.write(ext2_number(), at, length, [&](uint8_t* into, size_t part) -> ktl::ErrorOr<void> {
                    TRY(buffer.read(into, part, done));
                    done += part;
                    return {};
                });
            note_if_grown(fs, before);
            if (!count.is_error())
                end = at + count.value();
            return count;
        });
        if (!written.is_error() && written.value() > 0)
            content_changed();
        return written;
    }

    friend class Ext2Mapping;
    Ext2FileSystem& volume() const { return static_cast<Ext2FileSystem&>(file_system()); }
    void prefault_if_mapped(IoBuffer buffer, size_t length, bool will_write) {
        // Best effort: a buffer that is not all valid fails later, in the copy, as without mappings.
        if (volume().has_mappings())
            (void)buffer.prefault(length, will_write);
    }
    // Every mapping drops the pages it holds from file page `first` on (with m_map_lock held),
    // once no address space maps them any more.
    void release_mapped_pages_from(uint64_t first);

    static constexpr uint64_t mapping_page_size = 4096;
    static constexpr uint64_t no_fault_limit = ~uint64_t(0);
    uint32_t m_type; // the type bits never change
    // The inode changed in a way fdatasync must write (size, blocks, owner, mode). True at first:
    // a change made through an earlier object for this inode, since let go of, is not known here.
    bool m_datasync_dirty = true;
    FifoState m_fifo;
    sync::Mutex m_truncate_lock; // taken before everything else here, and before the address spaces'
    sync::Mutex m_map_lock;      // the mappings below and their pages; taken before the volume lock
    ktl::Vector<Ext2Mapping*> m_mappings;
    // While a truncation unmaps: the first file page no mapping may fault in (guarded by m_map_lock).
    uint64_t m_fault_limit = no_fault_limit;
};

// mmap of an ext2 file (4 KiB blocks): the block cache's own pages of the file's blocks, so read(2),
// write(2) and every mapping share one copy. A hole is the zero page to private readers; a shared
// mapping's fault gives it a block (fallocate). Pages stay pinned in the cache until the mapping goes.
class Ext2Mapping final : public mm::MappedObject {
public:
    explicit Ext2Mapping(RefPtr<Ext2Inode> inode) : m_inode(static_cast<RefPtr<Ext2Inode>&&>(inode)) {}
    ~Ext2Mapping() override {
        sync::MutexLocker locker(m_inode->m_map_lock);
        for (auto& entry : m_pages) {
            if (entry.value.writable)
                entry.value.page.mark_dirty(); // its last stores are written back
            if (entry.value.copy)
                mm::free_frame(entry.value.copy);
        }
        m_pages.clear();
        auto& list = m_inode->m_mappings;
        for (size_t i = 0; i < list.size(); ++i) {
            if (list[i] == this) {
                list.remove(i);
                break;
            }
        }
        m_inode->volume().mapping_removed();
    }

    ktl::ErrorOr<uint64_t> frame_for(uint64_t index, Access access) override {
        sync::MutexLocker locker(m_inode->m_map_lock);
        if (index >= m_inode->m_fault_limit)
            return ktl::Errno::BadAddress; // being truncated away: SIGBUS, as past the end
        Pinned* found = m_pages.get(index);
        if (!found && m_inode->volume().block_size() != page_size) {
            // Blocks smaller than a page are not pages of the cache: the mapping reads a copy, which
            // later writes to the file do not change. Stores into the file through it cannot be had.
            if (access == Access::Write)
                return ktl::Errno::BadAddress;
            uint64_t copy = TRY(m_inode->copy_for_mapping(index));
            if (auto kept = m_pages.try_set(index, Pinned{{}, false, copy}); kept.is_error()) {
                mm::free_frame(copy);
                return kept.error();
            }
            found = m_pages.get(index);
        }
        if (!found) {
            block::BlockHandle page = TRY(m_inode->page_for_mapping(index, access));
            if (!page) // a hole read privately
                return mm::zero_frame();
            TRY(m_pages.try_set(index, Pinned{static_cast<block::BlockHandle&&>(page), false}));
            found = m_pages.get(index);
        }
        if (found->copy) {
            if (access == Access::Write)
                return ktl::Errno::BadAddress;
            return found->copy;
        }
        if (access == Access::Write) {
            found->writable = true;
            found->page.mark_dirty();
            m_inode->file_written();
        }
        return found->frame();
    }

    uint64_t existing_frame(uint64_t index) override {
        sync::MutexLocker locker(m_inode->m_map_lock);
        if (index >= m_inode->m_fault_limit)
            return 0;
        Pinned* found = m_pages.get(index);
        return found ? found->frame() : 0;
    }

    const void* identity() const override { return m_inode.ptr(); }

private:
    friend class Ext2Inode;
    static constexpr uint32_t page_size = 4096;
    struct Pinned {
        block::BlockHandle page;
        bool writable = false;
        uint64_t copy = 0; // on file systems of small blocks: a frame of this mapping's own
        uint64_t frame() const {
            return copy ? copy : reinterpret_cast<uint64_t>(page.data()) - mm::direct_map_base;
        }
    };
    RefPtr<Ext2Inode> m_inode;
    ktl::HashMap<uint64_t, Pinned> m_pages; // guarded by the inode's m_map_lock
};

ktl::ErrorOr<RefPtr<mm::MappedObject>> Ext2Inode::create_mapping() {
    if (m_type != mode_regular)
        return ktl::Errno::NoDevice;
    auto mapping = TRY(ktl::try_make_ref_counted<Ext2Mapping>(RefPtr<Ext2Inode>(this)));
    sync::MutexLocker locker(m_map_lock);
    TRY(m_mappings.try_append(mapping.ptr()));
    volume().mapping_added();
    return RefPtr<mm::MappedObject>(mapping.ptr());
}

ktl::ErrorOr<block::BlockHandle> Ext2Inode::page_for_mapping(uint64_t index,
                                                             mm::MappedObject::Access access) {
    constexpr uint64_t page_size = 4096;
    auto block = volume().locked([&](ext2::FileSystem& fs) -> ktl::ErrorOr<uint64_t> {
        uint64_t size = TRY(fs.metadata(ext2_number())).size;
        if (index >= (size + page_size - 1) / page_size)
            return ktl::Errno::BadAddress; // SIGBUS, as Linux past the end
        uint64_t number = TRY(fs.data_block(ext2_number(), index));
        if (number != 0 || access == mm::MappedObject::Access::ReadPrivate)
            return number;
        // A shared mapping's page must be the file's own: the hole gets its block now.
        uint64_t offset = index * page_size;
        note_datasync_change();
        TRY(fs.allocate(ext2_number(), offset, size - offset < page_size ? size - offset : page_size));
        return fs.data_block(ext2_number(), index);
    });
    if (block.is_error())
        return block.error().code() == ktl::Errno::BadAddress
                   ? block.error()
                   : ktl::Error::from_errno(ktl::Errno::BadAddress);
    if (block.value() == 0)
        return block::BlockHandle();
    auto page = block::get_block(volume().device(), block.value(), page_size);
    if (page.is_error())
        return ktl::Errno::BadAddress;
    return page;
}

ktl::ErrorOr<uint64_t> Ext2Inode::copy_for_mapping(uint64_t index) {
    constexpr uint64_t page_size = 4096;
    uint64_t frame = TRY(mm::allocate_zeroed_frame());
    auto* bytes = mm::physical_to_virtual<uint8_t>(frame);
    auto read = volume().locked([&](ext2::FileSystem& fs) -> ktl::ErrorOr<size_t> {
        uint64_t size = TRY(fs.metadata(ext2_number())).size;
        if (index >= (size + page_size - 1) / page_size)
            return ktl::Errno::BadAddress;
        return fs.read(ext2_number(), index * page_size, bytes, page_size);
    });
    if (read.is_error()) {
        mm::free_frame(frame);
        return ktl::Errno::BadAddress;
    }
    return frame;
}

void Ext2Inode::release_mapped_pages_from(uint64_t first) {
    for (Ext2Mapping* mapping : m_mappings) {
        // Removing while iterating is not allowed: some keys at a time.
        constexpr size_t batch = 64;
        uint64_t gone[batch];
        size_t count = batch;
        while (count == batch) {
            count = 0;
            for (auto& entry : mapping->m_pages) {
                if (entry.key >= first && count < batch)
                    gone[count++] = entry.key;
            }
            for (size_t i = 0; i < count; ++i) {
                // Past the end: nothing of it is written back. A copy (small blocks) is the mapping's.
                if (uint64_t copy = mapping->m_pages.get(gone[i])->copy)
                    mm::free_frame(copy);
                mapping->m_pages.remove(gone[i]);
            }
        }
    }
}

void Ext2Inode::redirty_mapped_pages() {
    sync::MutexLocker locker(m_map_lock);
    for (Ext2Mapping* mapping : m_mappings) {
        for (auto& entry : mapping->m_pages) {
            if (entry.value.writable)
                entry.value.page.mark_dirty();
        }
    }
}

// fsync as Linux's ext2 does it (generic_file_fsync): the file's data blocks, its indirect blocks and
// the block of the inode table holding it, then a flush of the device's write cache. Not the bitmaps,
// the superblock or the names of the file: a new file also needs its directory synced to be found
// after a crash. fdatasync leaves the inode out when only its timestamps changed.
ktl::ErrorOr<void> Ext2Inode::sync(bool data_only) {
    if (volume().is_read_only())
        return {};
    redirty_mapped_pages();
    // Taken now: a change made after this point is not this call's to write, and stays noted.
    bool inode_changed = __atomic_exchange_n(&m_datasync_dirty, false, __ATOMIC_ACQ_REL);
    bool with_inode = !data_only || inode_changed || m_type == mode_directory;
    ktl::Vector<block::BlockRange> ranges;
    auto written = [&]() -> ktl::ErrorOr<void> {
        TRY(volume().locked([&](ext2::FileSystem& fs) {
            return fs.list_blocks(ext2_number(), [&](const ext2::BlockRun& run) -> ktl::ErrorOr<void> {
                if (run.role == ext2::BlockRole::Inode && !with_inode)
                    return {};
                return ranges.try_append(block::BlockRange{run.first, run.count});
            });
        }));
        TRY(block::write_back_blocks(volume().device(), ranges.data(), ranges.size(), volume().block_size()));
        return block::flush(volume().device());
    }();
    if (written.is_error()) {
        if (inode_changed)
            note_datasync_change(); // not on the medium yet
        klog::warn(log_subsystem, "{}: fsync of inode {}: {}", volume().device().name(), number(),
                   written.error().name());
    }
    return written;
}

Ext2FileSystem::~Ext2FileSystem() {
    if (m_volume) {
        sync::MutexLocker locker(m_volume_lock);
        // An inode that still cannot be freed leaves the volume for fsck: written back, not clean.
        auto result = retry_unfreed() ? m_volume->unmount() : m_volume->sync();
        if (!m_unfreed.is_empty())
            klog::warn(log_subsystem, "{}: {} unlinked inode(s) not freed: not marked clean",
                       m_device->name(), m_unfreed.size());
        if (result.is_error())
            klog::error(log_subsystem, "{}: unmount: {} {}", m_device->name(), result.error().name(),
                        m_volume->diagnostic());
        m_volume = nullptr;
        // As Linux when a block device's last user lets go: written back and dropped from memory,
        // so the next mount reads the device again.
        if (auto dropped = block::invalidate_device(*m_device); dropped.is_error())
            klog::warn(log_subsystem, "{}: dropping its cache: {}", m_device->name(), dropped.error().name());
    }
    forget_mounted_device(m_device->device_number());
}

ktl::ErrorOr<void> Ext2FileSystem::start(bool read_only) {
    ext2::Diagnostic diagnostic;
    auto volume = ext2::FileSystem::mount(m_store, m_clock, {read_only}, diagnostic);
    if (volume.is_error()) {
        klog::warn(log_subsystem, "{}: not mounted: {}", m_device->name(),
                   diagnostic.is_empty() ? volume.error().name() : diagnostic.text());
        return volume.error();
    }
    m_volume = volume.release_value();
    m_read_only = m_volume->is_read_only();
    m_block_size = m_volume->block_size();
    if (m_read_only && !read_only)
        klog::warn(log_subsystem, "{}: mounted read-only: {}", m_device->name(),
                   m_volume->read_only_reason());
    m_root = TRY(inode(ext2::root_inode));
    if (!m_root->metadata().is_directory())
        return ktl::Errno::InvalidArgument; // the library checks it; a root that is no directory is corrupt
    return {};
}

RefPtr<Inode> Ext2FileSystem::root() {
    return m_root;
}

ktl::ErrorOr<void> Ext2FileSystem::statistics(FileSystemStatistics& statistics) {
    if (!m_volume)
        return ktl::Errno::IoError;
    ext2::Statistics numbers = locked([](ext2::FileSystem& fs) { return fs.statistics(); });
    statistics = {};
    statistics.type = ext2::magic;
    statistics.block_size = numbers.block_size;
    statistics.blocks = numbers.blocks;
    statistics.free_blocks = numbers.free_blocks;
    statistics.available_blocks = numbers.available_blocks;
    statistics.files = numbers.inodes;
    statistics.free_files = numbers.free_inodes;
    statistics.name_length = ext2::name_max;
    return {};
}

ktl::ErrorOr<void> Ext2FileSystem::sync() {
    if (m_read_only || !m_volume) // read-only, or refused at mount
        return {};
    if (has_mappings()) {
        // The inodes first (references taken under the table lock, dropped outside every lock).
        ktl::Vector<RefPtr<Inode>> mapped;
        RefPtr<Inode> unlisted; // one that did not fit: let go of after the lock, like the rest
        {
            sync::MutexLocker locker(m_inodes_lock);
            for (auto& entry : m_inodes) {
                if (!entry.value->try_ref())
                    continue;
                RefPtr<Inode> held = ktl::adopt_ref<Inode>(*entry.value);
                if (mapped.try_append(static_cast<RefPtr<Inode>&&>(held)).is_error()) {
                    unlisted = static_cast<RefPtr<Inode>&&>(held);
                    break;
                }
            }
        }
        for (RefPtr<Inode>& inode : mapped)
            static_cast<Ext2Inode&>(*inode).redirty_mapped_pages();
    }
    return locked([this](ext2::FileSystem& fs) {
        (void)retry_unfreed();
        return fs.sync();
    });
}

ktl::ErrorOr<void> Ext2FileSystem::power_off() {
    if (m_read_only || !m_volume)
        return {};
    TRY(sync()); // the pages shared mappings stored into, too
    // A file unlinked while still open keeps its inode and blocks until its last holder goes, which
    // will not happen now: that is an unclean volume (Linux's read-only remount fails with EBUSY
    // then), left for fsck to free, not marked clean over it.
    ktl::Vector<uint32_t> held;
    bool listed = true;
    {
        sync::MutexLocker locker(m_inodes_lock);
        for (auto& entry : m_inodes)
            listed = listed && !held.try_append(entry.key).is_error();
    }
    size_t unlinked = 0;
    bool clean = listed && locked([&](ext2::FileSystem& fs) {
                     unlinked += m_unfreed.size(); // sync() just tried them
                     for (uint32_t number : held) {
                         auto metadata = fs.metadata(number);
                         if (metadata.is_error() || metadata.value().link_count == 0)
                             ++unlinked;
                     }
                     return unlinked == 0;
                 });
    if (!clean) {
        klog::warn(log_subsystem, "{}: {} unlinked inode(s) still open or not freed: not marked clean",
                   m_device->name(), unlinked);
        return {};
    }
    return locked([](ext2::FileSystem& fs) { return fs.unmount(); });
}

void Ext2FileSystem::detached() {
    // The root holds the file system: without it the last inode's going frees the file system,
    // whose destructor marks the volume clean.
    (void)sync();
    m_root = nullptr;
}

ktl::ErrorOr<RefPtr<Inode>> Ext2FileSystem::inode(ext2::InodeNumber number) {
    {
        sync::MutexLocker locker(m_inodes_lock);
        if (Ext2Inode** existing = m_inodes.get(number); existing && (*existing)->try_ref())
            return ktl::adopt_ref<Inode>(**existing);
    }
    ext2::Metadata metadata = TRY(locked([&](ext2::FileSystem& fs) { return fs.metadata(number); }));
    auto* made = new (std::nothrow) Ext2Inode(*this, number, metadata);
    if (!made)
        return ktl::Errno::NoMemory;
    // Declared before the locker, so ours is dropped (if it must be) after the lock is let go.
    RefPtr<Inode> ours = ktl::adopt_ref<Inode>(*made);
    sync::MutexLocker locker(m_inodes_lock);
    // Someone made one meanwhile: theirs is the file, ours goes (its destructor finds the table
    // pointing elsewhere and leaves it).
    if (Ext2Inode** existing = m_inodes.get(number); existing && (*existing)->try_ref())
        return ktl::adopt_ref<Inode>(**existing);
    TRY(m_inodes.try_set(number, made));
    return ours;
}

void Ext2FileSystem::release_if_unreferenced(const ext2::Unlinked& gone) {
    if (gone.inode == 0 || gone.link_count != 0)
        return;
    {
        sync::MutexLocker locker(m_inodes_lock);
        if (m_inodes.contains(gone.inode))
            return; // its object's destructor frees it
    }
    free_if_unlinked(gone.inode);
}

void Ext2FileSystem::free_if_unlinked(uint32_t number) {
    auto freed = m_volume->free_inode_if_unlinked(number);
    if (!freed.is_error())
        return;
    for (uint32_t pending : m_unfreed)
        if (pending == number)
            return;
    bool kept = !m_unfreed.try_append(number).is_error();
    klog::error(log_subsystem, "{}: freeing inode {}: {} {}: {}", m_device->name(), number,
                freed.error().name(), m_volume->diagnostic(),
                kept ? "tried again at the next sync" : "left for fsck");
}

bool Ext2FileSystem::retry_unfreed() {
    for (size_t i = 0; i < m_unfreed.size();) {
        uint32_t number = m_unfreed[i];
        bool held;
        {
            sync::MutexLocker locker(m_inodes_lock);
            held = m_inodes.contains(number); // cannot be (it has no name), but then it is its holder's
        }
        if (held || !m_volume->free_inode_if_unlinked(number).is_error())
            m_unfreed.remove(i);
        else
            ++i;
    }
    return m_unfreed.is_empty();
}

void Ext2FileSystem::forget(Ext2Inode& inode) {
    sync::MutexLocker volume_locker(m_volume_lock);
    {
        sync::MutexLocker locker(m_inodes_lock);
        Ext2Inode** entry = m_inodes.get(inode.ext2_number());
        if (!entry || *entry != &inode)
            return; // a newer object is the file now; it frees the inode when it goes
        m_inodes.remove(inode.ext2_number());
    }
    if (!m_volume || m_read_only)
        return;
    free_if_unlinked(inode.ext2_number());
}

ktl::ErrorOr<RefPtr<block::BlockDevice>> device_of(ktl::StringView source) {
    proc::Process* process = proc::current_process();
    Path root = root_path();
    Lookup lookup = process ? process->lookup() : Lookup{root, root, {}, 0};
    Path path = TRY(resolve(lookup, source));
    InodeMetadata metadata = path.inode().metadata();
    if (!metadata.is_block_device())
        return ktl::Errno::NotBlockDevice;
    RefPtr<block::BlockDevice> device = block::find_device(metadata.rdev);
    if (!device)
        return ktl::Errno::NoDeviceOrAddress;
    return device;
}

ktl::ErrorOr<RefPtr<FileSystem>> create_for_mount(ktl::StringView source, uint64_t flags, ktl::StringView) {
    RefPtr<block::BlockDevice> device = TRY(device_of(source));
    return mount_device(static_cast<RefPtr<block::BlockDevice>&&>(device), flags & mount_read_only);
}

} // namespace

ktl::ErrorOr<RefPtr<FileSystem>> mount_device(ktl::RefPtr<block::BlockDevice> device, bool read_only) {
    const uint64_t number = device->device_number();
    TRY(mounted_devices.with([&](ktl::Vector<uint64_t>& devices) -> ktl::ErrorOr<void> {
        for (uint64_t mounted : devices) {
            if (mounted == number)
                return ktl::Errno::Busy;
        }
        return devices.try_append(number);
    }));
    read_only = read_only || device->is_read_only();
    auto* made = new (std::nothrow) Ext2FileSystem(static_cast<ktl::RefPtr<block::BlockDevice>&&>(device));
    if (!made) {
        forget_mounted_device(number);
        return ktl::Errno::NoMemory;
    }
    RefPtr<Ext2FileSystem> file_system = ktl::adopt_ref(*made);
    if (auto started = file_system->start(read_only); started.is_error()) {
        file_system->detached();
        return started.error();
    }
    return RefPtr<FileSystem>(file_system.ptr());
}

void register_type() {
    MUST(register_file_system("ext2", create_for_mount, true));
}

} // namespace fs::ext2fs
