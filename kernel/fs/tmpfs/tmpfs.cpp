#include "fs/tmpfs/tmpfs.h"

#include "fs/tmpfs/page_tree.h"

#include "arch/paging.h"
#include "fs/open_file.h"
#include "fs/pipe.h"
#include "fs/vfs.h"
#include "ktl/hash_map.h"
#include "ktl/intrusive_list.h"
#include "ktl/vector.h"
#include "mm/address_space.h"
#include "mm/direct_map.h"
#include "mm/physical.h"

#include <cstring>
#include <new>

namespace fs::tmpfs {

namespace {

constexpr uint64_t page_size = arch::page_size;
constexpr uint64_t max_file_size = 1ull << 44; // 16 TiB, as sparse as anyone needs
constexpr uint64_t first_entry_cookie = 2;     // 0 is ".", 1 is ".."

uint64_t live_pages = 0;
uint64_t live_inodes = 0;

class TmpfsInode;

class TmpfsFileSystem final : public FileSystem {
public:
    TmpfsFileSystem(uint64_t max_pages, uint32_t root_mode, ktl::StringView type_name)
        : m_max_pages(max_pages), m_root_mode(root_mode), m_type_name(type_name) {}
    ktl::ErrorOr<void> initialize();
    RefPtr<Inode> root() override;
    ktl::StringView type_name() const override { return m_type_name; }
    void detached() override;
    ktl::ErrorOr<void> statistics(FileSystemStatistics& statistics) override {
        statistics.type = magic;
        statistics.block_size = page_size;
        statistics.blocks = m_max_pages;
        uint64_t used = __atomic_load_n(&m_used_pages, __ATOMIC_RELAXED);
        statistics.free_blocks = statistics.available_blocks = used < m_max_pages ? m_max_pages - used : 0;
        statistics.files = m_max_pages; // Linux's default nr_inodes is of this order too
        uint64_t inodes = __atomic_load_n(&m_inode_count, __ATOMIC_RELAXED);
        statistics.free_files = inodes < statistics.files ? statistics.files - inodes : 0;
        return {};
    }
    void describe_options(ktl::FormatSink& sink) const override {
        ktl::format_to(sink, "rw,size={}k,mode={:o}", m_max_pages * (page_size / 1024), m_root_mode & 07777);
    }

    uint64_t next_inode_number() { return __atomic_add_fetch(&m_next_inode, 1, __ATOMIC_RELAXED); }
    bool reserve_page() {
        uint64_t used = __atomic_load_n(&m_used_pages, __ATOMIC_RELAXED);
        do {
            if (used >= m_max_pages)
                return false;
        } while (!__atomic_compare_exchange_n(&m_used_pages, &used, used + 1, true, __ATOMIC_RELAXED,
                                              __ATOMIC_RELAXED));
        return true;
    }
    void release_pages(uint64_t count) { __atomic_sub_fetch(&m_used_pages, count, __ATOMIC_RELAXED); }
    void inode_created() { __atomic_add_fetch(&m_inode_count, 1, __ATOMIC_RELAXED); }
    void inode_destroyed() { __atomic_sub_fetch(&m_inode_count, 1, __ATOMIC_RELAXED); }

private:
    uint64_t m_max_pages;
    uint32_t m_root_mode;
    ktl::StringView m_type_name; // a string literal
    uint64_t m_used_pages = 0;
    uint64_t m_next_inode = 1;
    uint64_t m_inode_count = 0;
    RefPtr<TmpfsInode> m_root;
};

struct InDirectory {};

// A name in a directory.
struct DirectoryEntry : ktl::IntrusiveListNode<InDirectory> {
    ktl::String name;
    RefPtr<TmpfsInode> inode;
    uint64_t cookie = 0;
};

class TmpfsInode final : public Inode {
public:
    TmpfsInode(TmpfsFileSystem& file_system, const NewInode& what)
        : Inode(file_system, file_system.next_inode_number()) {
        m_mode = what.mode;
        m_uid = what.uid;
        m_gid = what.gid;
        m_rdev = what.rdev;
        m_access_time = m_modify_time = m_change_time = m_birth_time = current_time();
        set_access(m_mode, m_uid, m_gid);
        // Names add links as they are made (add_entry); a directory starts with its "." too.
        m_link_count = is_directory() ? 1 : 0;
        file_system.inode_created();
        __atomic_add_fetch(&live_inodes, 1, __ATOMIC_RELAXED);
    }
    ~TmpfsInode() override {
        free_pages_from(0);
        // Children hold no reference to their directory, so plain deletion order is fine.
        while (DirectoryEntry* entry = m_entries.pop_front())
            delete entry;
        filesystem().inode_destroyed();
        __atomic_sub_fetch(&live_inodes, 1, __ATOMIC_RELAXED);
    }

    bool is_directory() const { return (m_mode & mode_type_mask) == mode_directory; }
    bool is_regular() const { return (m_mode & mode_type_mask) == mode_regular; }
    TmpfsFileSystem& filesystem() const { return static_cast<TmpfsFileSystem&>(file_system()); }

    InodeMetadata metadata() override {
        sync::MutexLocker locker(m_lock);
        InodeMetadata metadata;
        metadata.device = file_system().device();
        metadata.inode = number();
        metadata.mode = m_mode;
        metadata.link_count = m_link_count;
        metadata.uid = m_uid;
        metadata.gid = m_gid;
        metadata.rdev = m_rdev;
        if (is_regular())
            metadata.size = m_size;
        else if (is_directory())
            metadata.size = (m_entries.size() + 2) * 20; // Linux's tmpfs counts BOGO_DIRENT_SIZE a name
        else if ((m_mode & mode_type_mask) == mode_symlink)
            metadata.size = m_target.length();
        metadata.blocks = m_pages.size() * (page_size / 512);
        metadata.block_size = page_size;
        metadata.access_time = m_access_time;
        metadata.modify_time = m_modify_time;
        metadata.change_time = m_change_time;
        metadata.birth_time = m_birth_time;
        return metadata;
    }

    ktl::ErrorOr<void> set_attributes(const AttributeChange& change) override {
        sync::MutexLocker locker(m_lock);
        if (change.which & AttributeChange::Mode)
            m_mode = (m_mode & mode_type_mask) | (change.mode & mode_permissions);
        if (change.which & AttributeChange::Uid)
            m_uid = change.uid;
        if (change.which & AttributeChange::Gid)
            m_gid = change.gid;
        if (change.which & AttributeChange::AccessTime)
            m_access_time = change.access_time;
        if (change.which & AttributeChange::ModifyTime)
            m_modify_time = change.modify_time;
        m_change_time = (change.which & AttributeChange::ChangeTime) ? change.change_time : current_time();
        set_access(m_mode, m_uid, m_gid);
        return {};
    }

    // Regular files.
    ktl::ErrorOr<size_t> read_at(uint64_t offset, IoBuffer buffer, size_t length) override {
        if (is_directory())
            return ktl::Errno::IsDirectory;
        if (!is_regular())
            return ktl::Errno::InvalidArgument;
        return in_pieces(length, [&](size_t done, size_t part) -> ktl::ErrorOr<size_t> {
            TRY(prefault(buffer.offset(done), part, true));
            return read_piece(offset + done, buffer.offset(done), part);
        });
    }

    ktl::ErrorOr<size_t> read_piece(uint64_t offset, IoBuffer buffer, size_t length) {
        sync::MutexLocker locker(m_lock);
        if (offset >= m_size)
            return 0;
        if (length > m_size - offset)
            length = m_size - offset;
        size_t done = 0;
        while (done < length) {
            uint64_t position = offset + done;
            size_t in_page = position % page_size;
            size_t part = page_size - in_page < length - done ? page_size - in_page : length - done;
            uint64_t frame = m_pages.get(position / page_size);
            auto copied = frame ? buffer.write(mm::physical_to_virtual<uint8_t>(frame) + in_page, part, done)
                                : buffer.fill_zero(part, done);
            if (copied.is_error())
                return done > 0 ? ktl::ErrorOr<size_t>(done) : copied.error();
            done += part;
        }
        touch_access_time();
        return done;
    }

    ktl::ErrorOr<size_t> write_at(uint64_t offset, IoBuffer buffer, size_t length) override {
        if (is_directory())
            return ktl::Errno::IsDirectory;
        if (!is_regular())
            return ktl::Errno::InvalidArgument;
        if (offset >= max_file_size)
            return ktl::Errno::FileTooBig;
        if (length > max_file_size - offset)
            length = max_file_size - offset;
        return in_pieces(length, [&](size_t done, size_t part) -> ktl::ErrorOr<size_t> {
            TRY(prefault(buffer.offset(done), part, false));
            return write_piece(offset + done, buffer.offset(done), part);
        });
    }

    // Appends take the size under the lock they write under: appenders never overlap.
    ktl::ErrorOr<size_t> append(IoBuffer buffer, size_t length, uint64_t& end) override {
        if (is_directory())
            return ktl::Errno::IsDirectory;
        if (!is_regular())
            return ktl::Errno::InvalidArgument;
        return in_pieces(length, [&](size_t done, size_t part) -> ktl::ErrorOr<size_t> {
            TRY(prefault(buffer.offset(done), part, false));
            return write_piece(append_offset, buffer.offset(done), part, &end);
        });
    }

    static constexpr uint64_t append_offset = ~0ull; // write_piece's "at the end, under the lock"

    ktl::ErrorOr<size_t> write_piece(uint64_t offset, IoBuffer buffer, size_t length,
                                     uint64_t* end = nullptr) {
        sync::MutexLocker locker(m_lock);
        if (offset == append_offset)
            offset = m_size;
        if (offset >= max_file_size)
            return ktl::Errno::FileTooBig;
        if (length > max_file_size - offset)
            length = max_file_size - offset;
        size_t done = 0;
        ktl::Error failure = ktl::Error::from_errno(ktl::Errno::NoSpace);
        bool failed = false;
        while (done < length) {
            uint64_t position = offset + done;
            size_t in_page = position % page_size;
            size_t part = page_size - in_page < length - done ? page_size - in_page : length - done;
            // A page written whole needs no zeroing first (if the copy fails, the rest is zeroed).
            bool whole_page = in_page == 0 && part == page_size;
            auto frame = page_for_write(position / page_size, !whole_page);
            if (frame.is_error()) {
                failure = frame.error();
                failed = true;
                break;
            }
            auto copied = buffer.read(mm::physical_to_virtual<uint8_t>(frame.value()) + in_page, part, done);
            if (copied.is_error() && m_fresh_unzeroed_frame == frame.value())
                memset(mm::physical_to_virtual<uint8_t>(frame.value()), 0, page_size); // no stale bytes
            m_fresh_unzeroed_frame = 0;
            if (copied.is_error()) {
                failure = copied.error();
                failed = true;
                break;
            }
            done += part;
        }
        if (end)
            *end = offset + done;
        if (done > 0) {
            if (offset + done > m_size)
                m_size = offset + done;
            m_modify_time = m_change_time = current_time();
            content_changed();
            return done;
        }
        if (failed)
            return failure;
        return 0;
    }

    ktl::ErrorOr<void> truncate(uint64_t size) override {
        if (is_directory())
            return ktl::Errno::IsDirectory;
        if (!is_regular())
            return ktl::Errno::InvalidArgument;
        if (size > max_file_size)
            return ktl::Errno::FileTooBig;
        const uint64_t first_gone = (size + page_size - 1) / page_size;
        ktl::Vector<uint64_t> gone; // out of the file, maybe still mapped: freed once unmapped
        bool mapped = false;
        {
            sync::MutexLocker locker(m_lock);
            if (size < m_size) {
                mapped = m_mappings > 0;
                // Room for every page that can go, so that taking them out cannot fail halfway.
                if (mapped)
                    TRY(gone.try_reserve(m_pages.size()));
                // The partial last page keeps its head; its tail must read as zeros if the file grows
                // again, through a mapping too.
                if (size % page_size) {
                    if (uint64_t frame = m_pages.get(size / page_size))
                        memset(mm::physical_to_virtual<uint8_t>(frame) + size % page_size, 0,
                               page_size - size % page_size);
                }
                if (mapped)
                    m_pages.remove_from(first_gone, [&](uint64_t frame) { MUST(gone.try_append(frame)); });
                else
                    free_pages_from(first_gone);
            }
            // From here a fault past the end fails (SIGBUS) and finds none of the pages that went.
            m_size = size;
            m_modify_time = m_change_time = current_time();
            content_changed();
        }
        if (mapped) {
            // Without the lock: a fault holds its address space's lock and then takes this one.
            mm::unmap_object_pages(this, first_gone, ~uint64_t(0));
            for (uint64_t frame : gone)
                mm::free_frame(frame);
            if (!gone.is_empty()) {
                filesystem().release_pages(gone.size());
                __atomic_sub_fetch(&live_pages, gone.size(), __ATOMIC_RELAXED);
            }
        }
        return {};
    }

    ktl::ErrorOr<void> allocate(uint64_t offset, uint64_t length) override {
        if (!is_regular())
            return is_directory() ? ktl::Errno::IsDirectory : ktl::Errno::NoDevice;
        if (offset >= max_file_size || length > max_file_size - offset)
            return ktl::Errno::FileTooBig;
        sync::MutexLocker locker(m_lock);
        for (uint64_t index = offset / page_size; index < (offset + length + page_size - 1) / page_size;
             ++index)
            TRY(page_for_write(index));
        m_change_time = current_time();
        return {};
    }

    // Directories.
    ktl::ErrorOr<RefPtr<Inode>> lookup(ktl::StringView name) override {
        if (!is_directory())
            return ktl::Errno::NotDirectory;
        sync::MutexLocker locker(m_lock);
        DirectoryEntry** entry = m_names.get(name);
        if (!entry)
            return ktl::Errno::NoEntry;
        return RefPtr<Inode>((*entry)->inode.ptr());
    }

    ktl::ErrorOr<RefPtr<Inode>> create(ktl::StringView name, const NewInode& what) override {
        auto inode = TRY(ktl::try_make_ref_counted<TmpfsInode>(filesystem(), what));
        TRY(add_entry(name, inode, (what.mode & mode_type_mask) == mode_directory));
        return RefPtr<Inode>(inode.ptr());
    }

    ktl::ErrorOr<RefPtr<Inode>> create_symlink(ktl::StringView name, ktl::StringView target,
                                               const NewInode& what) override {
        NewInode link = what;
        link.mode = mode_symlink | 0777;
        auto inode = TRY(ktl::try_make_ref_counted<TmpfsInode>(filesystem(), link));
        inode->m_target = TRY(ktl::String::try_create(target));
        TRY(add_entry(name, inode, false));
        return RefPtr<Inode>(inode.ptr());
    }

    ktl::ErrorOr<void> link(ktl::StringView name, Inode& target) override {
        if (&target.file_system() != &file_system())
            return ktl::Errno::CrossDevice;
        auto& other = static_cast<TmpfsInode&>(target);
        {
            sync::MutexLocker locker(other.m_lock);
            if (other.m_link_count == 0)
                return ktl::Errno::NoEntry; // unlinked meanwhile: Linux refuses too
        }
        TRY(add_entry(name, RefPtr<TmpfsInode>(other), false));
        return {};
    }

    ktl::ErrorOr<void> unlink(ktl::StringView name, bool directory) override {
        if (!is_directory())
            return ktl::Errno::NotDirectory;
        sync::MutexLocker locker(m_lock);
        DirectoryEntry** found = m_names.get(name);
        if (!found)
            return ktl::Errno::NoEntry;
        DirectoryEntry* entry = *found;
        TmpfsInode& child = *entry->inode;
        if (directory) {
            if (!child.is_directory())
                return ktl::Errno::NotDirectory;
            sync::MutexLocker child_locker(child.m_lock);
            if (!child.m_entries.is_empty())
                return ktl::Errno::NotEmpty;
        } else if (child.is_directory()) {
            return ktl::Errno::IsDirectory;
        }
        detach_locked(*entry);
        return {};
    }

    ktl::ErrorOr<void> rename(ktl::StringView old_name, Inode& new_directory_inode,
                              ktl::StringView new_name) override {
        if (&new_directory_inode.file_system() != &file_system())
            return ktl::Errno::CrossDevice;
        auto& new_directory = static_cast<TmpfsInode&>(new_directory_inode);
        if (!is_directory() || !new_directory.is_directory())
            return ktl::Errno::NotDirectory;
        // The VFS holds the file system's rename lock, so the tree's shape is still. Everything else
        // locks a directory before its children: take an ancestor first, else go by address.
        TmpfsInode* first = this < &new_directory ? this : &new_directory;
        TmpfsInode* second = this < &new_directory ? &new_directory : this;
        if (second->is_ancestor_of(*first)) {
            TmpfsInode* swap = first;
            first = second;
            second = swap;
        }
        sync::MutexLocker first_locker(first->m_lock);
        ktl::ErrorOr<void> result = {};
        if (first != second) {
            sync::MutexLocker second_locker(second->m_lock);
            result = rename_locked(old_name, new_directory, new_name);
        } else {
            result = rename_locked(old_name, new_directory, new_name);
        }
        return result;
    }

    ktl::ErrorOr<void> exchange(ktl::StringView name, Inode& other_directory_inode,
                                ktl::StringView other_name) override {
        if (&other_directory_inode.file_system() != &file_system())
            return ktl::Errno::CrossDevice;
        auto& other_directory = static_cast<TmpfsInode&>(other_directory_inode);
        if (!is_directory() || !other_directory.is_directory())
            return ktl::Errno::NotDirectory;
        TmpfsInode* first = this < &other_directory ? this : &other_directory;
        TmpfsInode* second = this < &other_directory ? &other_directory : this;
        if (second->is_ancestor_of(*first)) {
            TmpfsInode* swap = first;
            first = second;
            second = swap;
        }
        sync::MutexLocker first_locker(first->m_lock);
        auto swap_entries = [&]() -> ktl::ErrorOr<void> {
            DirectoryEntry** one = m_names.get(name);
            DirectoryEntry** two = other_directory.m_names.get(other_name);
            if (!one || !two)
                return ktl::Errno::NoEntry;
            TmpfsInode& one_inode = *(*one)->inode;
            TmpfsInode& two_inode = *(*two)->inode;
            // Neither may end up below itself.
            if ((one_inode.is_directory() &&
                 (&one_inode == &other_directory || one_inode.is_ancestor_of(other_directory))) ||
                (two_inode.is_directory() && (&two_inode == this || two_inode.is_ancestor_of(*this))))
                return ktl::Errno::InvalidArgument;
            if (&other_directory != this && one_inode.is_directory() != two_inode.is_directory()) {
                // A directory moving to the other parent takes its ".." link along.
                if (one_inode.is_directory()) {
                    --m_link_count;
                    ++other_directory.m_link_count;
                } else {
                    ++m_link_count;
                    --other_directory.m_link_count;
                }
            }
            if (one_inode.is_directory())
                one_inode.m_parent = &other_directory;
            if (two_inode.is_directory())
                two_inode.m_parent = this;
            RefPtr<TmpfsInode> held = (*one)->inode;
            (*one)->inode = (*two)->inode;
            (*two)->inode = held;
            Timestamp now = current_time();
            m_modify_time = m_change_time = now;
            other_directory.m_modify_time = other_directory.m_change_time = now;
            return {};
        };
        if (first != second) {
            sync::MutexLocker second_locker(second->m_lock);
            return swap_entries();
        }
        return swap_entries();
    }

    ktl::ErrorOr<void> read_directory(uint64_t cookie,
                                      ktl::FunctionRef<bool(const fs::DirectoryEntry&)> emit) override {
        if (!is_directory())
            return ktl::Errno::NotDirectory;
        sync::MutexLocker locker(m_lock);
        if (cookie == 0) {
            if (!emit({".", number(), directory_entry_type(mode_directory), 1}))
                return {};
            cookie = 1;
        }
        if (cookie == 1) {
            uint64_t parent = m_parent ? m_parent->number() : number();
            if (!emit({"..", parent, directory_entry_type(mode_directory), first_entry_cookie}))
                return {};
            cookie = first_entry_cookie;
        }
        // Cookies grow along the list: a reader at the end (its last call returns nothing) need not
        // walk it, and one in the middle skips from the front.
        DirectoryEntry* last = m_entries.last();
        if (!last || last->cookie < cookie) {
            touch_access_time();
            return {};
        }
        for (DirectoryEntry& entry : m_entries) {
            if (entry.cookie < cookie)
                continue;
            // The child's mode without its lock: the type never changes.
            if (!emit({entry.name.view(), entry.inode->number(), directory_entry_type(entry.inode->m_mode),
                       entry.cookie + 1}))
                return {};
        }
        touch_access_time();
        return {};
    }

    ktl::ErrorOr<ktl::String> link_target() override {
        if ((m_mode & mode_type_mask) != mode_symlink)
            return ktl::Errno::InvalidArgument;
        sync::MutexLocker locker(m_lock);
        return m_target.try_clone();
    }

    ktl::ErrorOr<RefPtr<mm::MappedObject>> create_mapping() override;

    // A mapping's page: made if it is a hole, BadAddress past the end of the file.
    uint64_t existing_frame(uint64_t index) {
        sync::MutexLocker locker(m_lock);
        if (!is_regular() || index >= (m_size + page_size - 1) / page_size)
            return 0;
        return m_pages.get(index);
    }

    ktl::ErrorOr<uint64_t> frame_for_mapping(uint64_t index, mm::MappedObject::Access access) {
        sync::MutexLocker locker(m_lock);
        if (!is_regular() || index >= (m_size + page_size - 1) / page_size)
            return ktl::Errno::BadAddress;
        // A private mapping reading a hole costs no page (nor space in the file system): the zero
        // page stands in, and its first write copies it.
        if (access == mm::MappedObject::Access::ReadPrivate) {
            if (uint64_t frame = m_pages.get(index))
                return frame;
            return mm::zero_frame();
        }
        uint64_t frame = TRY(page_for_write(index));
        if (access == mm::MappedObject::Access::Write) {
            m_modify_time = m_change_time = current_time();
            content_changed();
        }
        return frame;
    }
    void mapping_added() {
        sync::MutexLocker locker(m_lock);
        ++m_mappings;
    }
    void mapping_removed() {
        sync::MutexLocker locker(m_lock);
        --m_mappings;
    }

    ktl::ErrorOr<RefPtr<OpenFile>> open_special(uint32_t flags) override {
        if ((m_mode & mode_type_mask) == mode_fifo)
            return open_fifo(*this, m_fifo, flags);
        return RefPtr<OpenFile>();
    }

private:
    // A copy to or from user memory under this file's lock must not fault on a mapping of this very
    // file (the fault would need the lock). While a mapping exists, transfers go in pieces whose
    // user pages are brought in just before the lock is taken; without one, in one go.
    static constexpr size_t piece_size = 1 << 20;
    template <typename Piece>
    ktl::ErrorOr<size_t> in_pieces(size_t length, Piece&& piece) {
        if (__atomic_load_n(&m_mappings, __ATOMIC_RELAXED) == 0)
            return piece(0, length);
        size_t done = 0;
        while (done < length) {
            size_t part = length - done < piece_size ? length - done : piece_size;
            auto moved = piece(done, part);
            if (moved.is_error())
                return done > 0 ? ktl::ErrorOr<size_t>(done) : moved.error();
            done += moved.value();
            if (moved.value() < part)
                break;
        }
        return done;
    }
    ktl::ErrorOr<void> prefault(IoBuffer buffer, size_t length, bool will_write) {
        if (__atomic_load_n(&m_mappings, __ATOMIC_RELAXED) == 0)
            return {};
        return buffer.prefault(length, will_write);
    }

    // relatime, Linux's default: the access time moves only when it is older than the last change
    // or a day old, so reads do not write metadata every time.
    void touch_access_time() {
        if (m_access_time.seconds > m_modify_time.seconds && m_access_time.seconds > m_change_time.seconds) {
            Timestamp now = current_time();
            if (now.seconds - m_access_time.seconds < 24 * 3600)
                return;
            m_access_time = now;
            return;
        }
        m_access_time = current_time();
    }

    ktl::ErrorOr<uint64_t> page_for_write(uint64_t index, bool zeroed = true) {
        uint64_t* slot = TRY(m_pages.slot(index));
        if (*slot)
            return *slot;
        if (!filesystem().reserve_page())
            return ktl::Errno::NoSpace;
        auto frame = zeroed ? mm::allocate_zeroed_frame() : mm::allocate_frame();
        if (!zeroed && !frame.is_error())
            m_fresh_unzeroed_frame = frame.value();
        if (frame.is_error()) {
            filesystem().release_pages(1);
            return frame.error();
        }
        *slot = frame.value();
        m_pages.count_added();
        __atomic_add_fetch(&live_pages, 1, __ATOMIC_RELAXED);
        return frame.value();
    }

    // Only for pages no mapping can have mapped (none exists, or truncate unmapped them).
    void free_pages_from(uint64_t first_index) {
        size_t freed = m_pages.remove_from(first_index, [](uint64_t frame) { mm::free_frame(frame); });
        if (freed) {
            filesystem().release_pages(freed);
            __atomic_sub_fetch(&live_pages, freed, __ATOMIC_RELAXED);
        }
    }

    ktl::ErrorOr<void> add_entry(ktl::StringView name, RefPtr<TmpfsInode> inode, bool directory) {
        if (!is_directory())
            return ktl::Errno::NotDirectory;
        sync::MutexLocker locker(m_lock);
        if (m_link_count == 0)
            return ktl::Errno::NoEntry; // the directory was removed
        if (m_names.get(name))
            return ktl::Errno::Exists;
        auto* entry = new (std::nothrow) DirectoryEntry;
        if (!entry)
            return ktl::Errno::NoMemory;
        auto text = ktl::String::try_create(name);
        if (text.is_error()) {
            delete entry;
            return text.error();
        }
        entry->name = text.release_value();
        entry->inode = inode;
        if (auto added = m_names.try_set(entry->name.view(), entry); added.is_error()) {
            delete entry;
            return added.error();
        }
        entry->cookie = m_next_cookie++;
        m_entries.push_back(*entry);
        if (directory) {
            // A new directory: not yet visible to anyone else, so no lock for its fields.
            inode->m_parent = this;
            inode->m_link_count = 2;
            ++m_link_count; // the child's ".."
        } else {
            sync::MutexLocker child_locker(inode->m_lock);
            ++inode->m_link_count;
            if (inode->m_link_count > 1)
                inode->m_change_time = current_time();
        }
        m_modify_time = m_change_time = current_time();
        return {};
    }

    // Takes `entry` out of this (locked) directory and drops the name's link.
    void detach_locked(DirectoryEntry& entry) {
        m_names.remove(entry.name.view());
        m_entries.remove(entry);
        TmpfsInode& child = *entry.inode;
        if (child.is_directory()) {
            --m_link_count;
            sync::MutexLocker child_locker(child.m_lock);
            child.m_link_count = 0;
            child.m_parent = nullptr;
        } else {
            sync::MutexLocker child_locker(child.m_lock);
            --child.m_link_count;
            child.m_change_time = current_time();
        }
        m_modify_time = m_change_time = current_time();
        delete &entry;
    }

    ktl::ErrorOr<void> rename_locked(ktl::StringView old_name, TmpfsInode& new_directory,
                                     ktl::StringView new_name) {
        DirectoryEntry** found = m_names.get(old_name);
        if (!found)
            return ktl::Errno::NoEntry;
        DirectoryEntry* entry = *found;
        if (m_link_count == 0 || new_directory.m_link_count == 0)
            return ktl::Errno::NoEntry;
        TmpfsInode& moving = *entry->inode;
        // The VFS checked this on its dentries; tmpfs checks its own tree too, which is always
        // right: a directory never goes below itself.
        if (moving.is_directory() && (&moving == &new_directory || moving.is_ancestor_of(new_directory)))
            return ktl::Errno::InvalidArgument;
        DirectoryEntry** replaced_slot = new_directory.m_names.get(new_name);
        DirectoryEntry* replaced = replaced_slot ? *replaced_slot : nullptr;
        if (replaced) {
            if (replaced->inode.ptr() == &moving)
                return {}; // two names of one inode: rename does nothing, as POSIX says
            TmpfsInode& victim = *replaced->inode;
            if (moving.is_directory()) {
                if (!victim.is_directory())
                    return ktl::Errno::NotDirectory;
                sync::MutexLocker victim_locker(victim.m_lock);
                if (!victim.m_entries.is_empty())
                    return ktl::Errno::NotEmpty;
            } else if (victim.is_directory()) {
                return ktl::Errno::IsDirectory;
            }
        }
        // Everything that can fail comes first: the new name's text and its table slot.
        TRY(new_directory.m_names.try_reserve(new_directory.m_names.size() + 1));
        auto text = TRY(ktl::String::try_create(new_name));
        auto* moved = new (std::nothrow) DirectoryEntry;
        if (!moved)
            return ktl::Errno::NoMemory;
        moved->name = static_cast<ktl::String&&>(text);
        moved->inode = entry->inode;
        if (replaced)
            new_directory.detach_locked(*replaced);
        if (auto added = new_directory.m_names.try_set(moved->name.view(), moved); added.is_error()) {
            delete moved;
            return added.error();
        }
        moved->cookie = new_directory.m_next_cookie++;
        new_directory.m_entries.push_back(*moved);
        m_names.remove(entry->name.view());
        m_entries.remove(*entry);
        delete entry;
        if (moving.is_directory() && &new_directory != this) {
            --m_link_count;
            ++new_directory.m_link_count;
            moving.m_parent = &new_directory;
        }
        Timestamp now = current_time();
        m_modify_time = m_change_time = now;
        new_directory.m_modify_time = new_directory.m_change_time = now;
        moving.m_change_time = now;
        return {};
    }

    // Under the file system's rename lock, so the parent chain is still. Bounded all the same: a
    // cycle would be a bug, and a walk that never ends would hold that lock forever.
    bool is_ancestor_of(const TmpfsInode& other) const {
        size_t steps = 0;
        for (const TmpfsInode* at = other.m_parent; at && steps < max_depth; at = at->m_parent, ++steps)
            if (at == this)
                return true;
        return false;
    }
    static constexpr size_t max_depth = 1 << 16;

    friend class TmpfsFileSystem;
    sync::Mutex m_lock;
    uint32_t m_mode = 0;
    uint32_t m_uid = 0;
    uint32_t m_gid = 0;
    uint32_t m_link_count = 0;
    uint64_t m_rdev = 0;
    uint64_t m_size = 0;
    Timestamp m_access_time, m_modify_time, m_change_time, m_birth_time;
    // Regular files: page index to frame; absent pages are holes.
    PageTree m_pages;
    // Directories. m_parent is not a reference: a directory's entry in its parent holds it.
    ktl::HashMap<ktl::StringView, DirectoryEntry*> m_names;
    ktl::IntrusiveList<DirectoryEntry, InDirectory> m_entries;
    uint64_t m_next_cookie = first_entry_cookie;
    TmpfsInode* m_parent = nullptr;
    // A frame page_for_write just made without zeroing, which the caller fills whole.
    uint64_t m_fresh_unzeroed_frame = 0;
    // Mappings alive (TmpfsMapping): while there are none, no page is mapped anywhere.
    uint32_t m_mappings = 0;
    // Symlinks.
    ktl::String m_target;
    // FIFOs: the pipe their readers and writers share while any is open.
    FifoState m_fifo;
};

// What mmap holds: the file, counted as mapped so truncation unmaps the pages it takes away.
class TmpfsMapping final : public mm::MappedObject {
public:
    explicit TmpfsMapping(RefPtr<TmpfsInode> inode) : m_inode(static_cast<RefPtr<TmpfsInode>&&>(inode)) {
        m_inode->mapping_added();
    }
    ~TmpfsMapping() override { m_inode->mapping_removed(); }
    uint64_t existing_frame(uint64_t index) override { return m_inode->existing_frame(index); }
    const void* identity() const override { return m_inode.ptr(); }
    ktl::ErrorOr<uint64_t> frame_for(uint64_t index, Access access) override {
        return m_inode->frame_for_mapping(index, access);
    }

private:
    RefPtr<TmpfsInode> m_inode;
};

ktl::ErrorOr<RefPtr<mm::MappedObject>> TmpfsInode::create_mapping() {
    if (!is_regular())
        return ktl::Errno::NoDevice;
    auto mapping = TRY(ktl::try_make_ref_counted<TmpfsMapping>(RefPtr<TmpfsInode>(*this)));
    return RefPtr<mm::MappedObject>(mapping.ptr());
}

ktl::ErrorOr<void> TmpfsFileSystem::initialize() {
    NewInode what{mode_directory | (m_root_mode & 07777), 0, 0, 0};
    m_root = TRY(ktl::try_make_ref_counted<TmpfsInode>(*this, what));
    m_root->m_link_count = 2;
    return {};
}

void TmpfsFileSystem::detached() {
    m_root.clear();
}

RefPtr<Inode> TmpfsFileSystem::root() {
    return RefPtr<Inode>(m_root.ptr());
}

// "64m", "1g", "50%": bytes, or a share of RAM.
ktl::ErrorOr<uint64_t> parse_size(ktl::StringView text) {
    if (text.is_empty())
        return ktl::Errno::InvalidArgument;
    uint64_t value = 0;
    size_t index = 0;
    for (; index < text.length() && text[index] >= '0' && text[index] <= '9'; ++index) {
        if (value > (UINT64_MAX - 9) / 10)
            return ktl::Errno::InvalidArgument;
        value = value * 10 + static_cast<uint64_t>(text[index] - '0');
    }
    if (index == 0)
        return ktl::Errno::InvalidArgument;
    ktl::StringView suffix = text.substring(index);
    uint64_t multiplier = 1;
    if (suffix == "%") {
        uint64_t total = mm::frame_statistics().total_frames * page_size;
        return total / 100 * (value > 100 ? 100 : value);
    }
    if (suffix == "k" || suffix == "K")
        multiplier = 1ull << 10;
    else if (suffix == "m" || suffix == "M")
        multiplier = 1ull << 20;
    else if (suffix == "g" || suffix == "G")
        multiplier = 1ull << 30;
    else if (!suffix.is_empty())
        return ktl::Errno::InvalidArgument;
    if (value > UINT64_MAX / multiplier)
        return ktl::Errno::InvalidArgument;
    return value * multiplier;
}

ktl::ErrorOr<RefPtr<FileSystem>> create_for_mount(ktl::StringView, uint64_t, ktl::StringView options) {
    return create(options);
}

} // namespace

ktl::ErrorOr<RefPtr<FileSystem>> create(ktl::StringView options, ktl::StringView type_name) {
    // Linux's default: half of RAM.
    uint64_t max_bytes = mm::frame_statistics().total_frames * page_size / 2;
    uint32_t root_mode = 01777;
    size_t position = 0;
    while (position < options.length()) {
        size_t end = options.find(',', position);
        if (end == ktl::StringView::npos)
            end = options.length();
        ktl::StringView option = options.substring(position, end - position);
        position = end + 1;
        if (option.is_empty())
            continue;
        if (option.starts_with("size=")) {
            max_bytes = TRY(parse_size(option.substring(5)));
        } else if (option.starts_with("mode=")) {
            uint32_t mode = 0;
            ktl::StringView digits = option.substring(5);
            if (digits.is_empty())
                return ktl::Errno::InvalidArgument;
            for (char digit : digits) {
                if (digit < '0' || digit > '7')
                    return ktl::Errno::InvalidArgument;
                mode = mode * 8 + static_cast<uint32_t>(digit - '0');
            }
            root_mode = mode & 07777;
        } else if (option == "rw" || option == "ro" || option.starts_with("nr_inodes=") ||
                   option.starts_with("uid=") || option.starts_with("gid=")) {
            // Accepted; inodes are bounded by memory and owners default to root.
        } else {
            return ktl::Errno::InvalidArgument;
        }
    }
    uint64_t max_pages = (max_bytes + page_size - 1) / page_size;
    auto file_system = TRY(ktl::try_make_ref_counted<TmpfsFileSystem>(max_pages, root_mode, type_name));
    TRY(file_system->initialize());
    return RefPtr<FileSystem>(file_system.ptr());
}

void register_type() {
    MUST(register_file_system("tmpfs", create_for_mount, false));
}

size_t page_count() {
    return __atomic_load_n(&live_pages, __ATOMIC_RELAXED);
}

size_t inode_count() {
    return __atomic_load_n(&live_inodes, __ATOMIC_RELAXED);
}

ktl::ErrorOr<RefPtr<OpenFile>> create_unlinked_file(ktl::StringView display_name) {
    static RefPtr<FileSystem> internal_file_system;
    static RefPtr<Mount> internal_mount; // in no mount table: it gives each file a path
    static sync::Mutex internal_lock;
    static uint64_t counter = 0;
    RefPtr<Inode> inode;
    RefPtr<Mount> mount;
    {
        sync::MutexLocker locker(internal_lock);
        if (!internal_file_system) {
            RefPtr<FileSystem> made = TRY(create(""));
            RefPtr<Dentry> root = TRY(Dentry::create_root(made->root()));
            ktl::String source = TRY(ktl::String::try_create("memfd"));
            internal_mount =
                TRY(ktl::try_make_ref_counted<Mount>(made, std::move(root), std::move(source), 0));
            internal_file_system = made;
        }
        mount = internal_mount;
        // Made under a unique name and unlinked at once.
        char unique[32];
        ktl::StringView unique_name = ktl::format_into(unique, sizeof unique, "file{}", ++counter);
        inode =
            TRY(internal_file_system->root()->create(unique_name, NewInode{mode_regular | 0777, 0, 0, 0}));
        TRY(internal_file_system->root()->unlink(unique_name, false));
    }
    auto file = TRY(ktl::try_make_ref_counted<OpenFile>(std::move(inode), open_read_write | open_large_file));
    file->set_anonymous_name(TRY(ktl::String::try_create(display_name)));
    // A path of its own, so fchmod, fstatfs and a reopen through /proc/self/fd work as on Linux.
    RefPtr<Dentry> dentry = TRY(Dentry::create_root(RefPtr<Inode>(file->inode())));
    file->set_path(Path{std::move(mount), std::move(dentry)});
    return file;
}

} // namespace fs::tmpfs
