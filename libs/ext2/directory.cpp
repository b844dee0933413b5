// Directories: entries checked as they are read, lookup, listing with resumable cookies, and the
// operations that change names (create, symlink, link, unlink, rename) and free unlinked inodes.
// Indexed (htree) directories are plain linear directories to this code: their index blocks look
// like blocks holding one empty entry. Changing one clears its index flag, as Linux's ext2 does.
#include "ext2/volume.h"

namespace ext2 {

namespace {

bool valid_name(ktl::StringView name) {
    if (name.is_empty() || name.length() > name_max || name == "." || name == "..")
        return false;
    for (char c : name)
        if (c == '/' || c == '\0')
            return false;
    return true;
}

ErrorOr<void> check_name(ktl::StringView name) {
    if (name.length() > name_max)
        return Errno::NameTooLong;
    if (!valid_name(name))
        return Errno::InvalidArgument;
    return {};
}

// DT_* from EXT2_FT_*.
uint8_t directory_type(uint8_t file_type) {
    constexpr uint8_t table[] = {0, 8, 4, 2, 6, 1, 12, 10};
    return file_type < sizeof table ? table[file_type] : 0;
}

bool valid_type(uint16_t type) {
    return type == mode_regular || type == mode_directory || type == mode_symlink ||
           type == mode_character_device || type == mode_block_device || type == mode_fifo ||
           type == mode_socket;
}

} // namespace

uint32_t Volume::name_length_of(const disk::DirectoryEntryHeader& header) const {
    if (m_super.revision >= 1 && (m_super.feature_incompat & disk::incompat_filetype))
        return header.name_length;
    return header.name_length | (uint32_t(header.file_type) << 8);
}

uint8_t Volume::file_type_for(uint16_t mode) const {
    if (m_super.revision < 1 || !(m_super.feature_incompat & disk::incompat_filetype))
        return 0;
    switch (mode & mode_type_mask) {
    case mode_regular:
        return disk::file_type_regular;
    case mode_directory:
        return disk::file_type_directory;
    case mode_character_device:
        return disk::file_type_character_device;
    case mode_block_device:
        return disk::file_type_block_device;
    case mode_fifo:
        return disk::file_type_fifo;
    case mode_socket:
        return disk::file_type_socket;
    case mode_symlink:
        return disk::file_type_symlink;
    default:
        return disk::file_type_unknown;
    }
}

ktl::StringView Volume::entry_name(const Buffer& buffer, uint32_t offset,
                                   const disk::DirectoryEntryHeader& header) const {
    return {reinterpret_cast<const char*>(buffer.data()) + offset + sizeof header, name_length_of(header)};
}

ErrorOr<LoadedInode> Volume::load_directory(InodeNumber number) {
    LoadedInode inode = TRY(load_inode(number));
    if (!inode.is_directory())
        return Errno::NotDirectory;
    if (inode.size() % m_block_size)
        return corrupt("directory {} has a size {} that is not whole blocks", number, inode.size());
    // It has no holes, so it cannot have more blocks than the file system: bounds every walk.
    if (inode.size() / m_block_size > m_blocks_count)
        return corrupt("directory {} is larger than the file system", number);
    return inode;
}

ErrorOr<bool>
Volume::walk_directory(const LoadedInode& directory, Buffer& buffer, uint64_t first_logical,
                       ktl::FunctionRef<bool(uint64_t logical, uint32_t offset, uint32_t previous,
                                             const disk::DirectoryEntryHeader& header)>
                           visit) {
    uint64_t blocks = directory.size() / m_block_size;
    for (uint64_t logical = first_logical; logical < blocks; ++logical) {
        uint32_t block = TRY(map_block(directory, logical));
        if (block == 0)
            return corrupt("directory {} has a hole at block {}", directory.number, logical);
        TRY(read_block(block, buffer));
        uint32_t offset = 0;
        uint32_t previous = 0;
        while (offset < m_block_size) {
            if (m_block_size - offset < sizeof(disk::DirectoryEntryHeader))
                return corrupt("directory {} block {}: entry at {} crosses the block end", directory.number,
                               logical, offset);
            disk::DirectoryEntryHeader header;
            __builtin_memcpy(&header, buffer.data() + offset, sizeof header);
            uint32_t length = header.record_length;
            if (length < disk::entry_size(0) || length % 4 || length > m_block_size - offset ||
                disk::entry_size(name_length_of(header)) > length)
                return corrupt("directory {} block {}: bad entry at {} (rec_len {}, name_len {})",
                               directory.number, logical, offset, length, name_length_of(header));
            if (header.inode && !valid_inode_number(header.inode))
                return corrupt("directory {} block {}: entry at {} names inode {}", directory.number, logical,
                               offset, header.inode);
            if (visit(logical, offset, previous, header))
                return true;
            previous = offset;
            offset += length;
        }
    }
    return false;
}

ErrorOr<bool> Volume::find_entry(const LoadedInode& directory, ktl::StringView name, Found& found,
                                 Buffer& buffer) {
    return walk_directory(
        directory, buffer, 0,
        [&](uint64_t logical, uint32_t offset, uint32_t previous, const disk::DirectoryEntryHeader& header) {
            if (!header.inode || entry_name(buffer, offset, header) != name)
                return false;
            found = {logical, offset, previous, header.inode};
            return true;
        });
}

void Volume::directory_modified(LoadedInode& directory) {
    directory.raw.flags &= ~disk::flag_index;
    directory.raw.modify_time = directory.raw.change_time = static_cast<uint32_t>(now());
}

ErrorOr<void> Volume::add_entry(LoadedInode& directory, ktl::StringView name, InodeNumber inode,
                                uint16_t mode) {
    uint32_t needed = disk::entry_size(static_cast<uint32_t>(name.length()));
    Buffer buffer = TRY(new_buffer());
    uint64_t slot_logical = 0;
    uint32_t slot_offset = 0;
    bool found = false;
    // One walk both looks for the name (creating one that exists is EEXIST) and for room.
    bool exists = TRY(walk_directory(
        directory, buffer, 0,
        [&](uint64_t logical, uint32_t offset, uint32_t, const disk::DirectoryEntryHeader& header) {
            if (header.inode && entry_name(buffer, offset, header) == name)
                return true;
            uint32_t used = header.inode ? disk::entry_size(name_length_of(header)) : 0;
            if (!found && header.record_length >= used + needed) {
                found = true;
                slot_logical = logical;
                slot_offset = offset;
            }
            return false;
        }));
    if (exists)
        return Errno::Exists;
    uint32_t block = 0;
    uint32_t record_length = 0;
    if (found) {
        block = TRY(map_block(directory, slot_logical));
        TRY(read_block(block, buffer));
        disk::DirectoryEntryHeader header;
        __builtin_memcpy(&header, buffer.data() + slot_offset, sizeof header);
        record_length = header.record_length;
        if (header.inode) {
            // Split: the live entry keeps what it needs, the new one takes the rest.
            uint32_t used = disk::entry_size(name_length_of(header));
            header.record_length = static_cast<uint16_t>(used);
            __builtin_memcpy(buffer.data() + slot_offset, &header, sizeof header);
            slot_offset += used;
            record_length -= used;
        }
    } else {
        uint64_t size = directory.size();
        if (size + m_block_size > UINT32_MAX)
            return Errno::NoSpace;
        bool fresh = false;
        block = TRY(map_or_allocate(directory, size / m_block_size, fresh));
        __builtin_memset(buffer.data(), 0, m_block_size);
        directory.set_size(size + m_block_size);
        slot_offset = 0;
        record_length = m_block_size;
    }
    disk::DirectoryEntryHeader entry{inode, static_cast<uint16_t>(record_length),
                                     static_cast<uint8_t>(name.length()), file_type_for(mode)};
    __builtin_memcpy(buffer.data() + slot_offset, &entry, sizeof entry);
    __builtin_memcpy(buffer.data() + slot_offset + sizeof entry, name.data(), name.length());
    TRY(write_block(block, buffer));
    directory_modified(directory);
    return store_inode(directory);
}

ErrorOr<void> Volume::remove_entry(LoadedInode& directory, const Found& found, Buffer& buffer) {
    disk::DirectoryEntryHeader header;
    __builtin_memcpy(&header, buffer.data() + found.offset, sizeof header);
    if (found.previous == found.offset) {
        header.inode = 0; // the first entry of a block stays, empty
        __builtin_memcpy(buffer.data() + found.offset, &header, sizeof header);
    } else {
        disk::DirectoryEntryHeader before;
        __builtin_memcpy(&before, buffer.data() + found.previous, sizeof before);
        before.record_length = static_cast<uint16_t>(before.record_length + header.record_length);
        __builtin_memcpy(buffer.data() + found.previous, &before, sizeof before);
    }
    uint32_t block = TRY(map_block(directory, found.logical));
    TRY(write_block(block, buffer));
    directory_modified(directory);
    return store_inode(directory);
}

ErrorOr<void> Volume::set_entry_inode(LoadedInode& directory, ktl::StringView name, InodeNumber inode,
                                      uint16_t mode) {
    Buffer buffer = TRY(new_buffer());
    Found found;
    if (!TRY(find_entry(directory, name, found, buffer)))
        return corrupt("directory {} has no entry {}", directory.number, name);
    disk::DirectoryEntryHeader header;
    __builtin_memcpy(&header, buffer.data() + found.offset, sizeof header);
    header.inode = inode;
    if (file_type_for(mode))
        header.file_type = file_type_for(mode);
    __builtin_memcpy(buffer.data() + found.offset, &header, sizeof header);
    uint32_t block = TRY(map_block(directory, found.logical));
    TRY(write_block(block, buffer));
    directory_modified(directory);
    return store_inode(directory);
}

ErrorOr<bool> Volume::directory_is_empty(const LoadedInode& directory) {
    Buffer buffer = TRY(new_buffer());
    bool other = TRY(
        walk_directory(directory, buffer, 0,
                       [&](uint64_t, uint32_t offset, uint32_t, const disk::DirectoryEntryHeader& header) {
                           if (!header.inode)
                               return false;
                           ktl::StringView name = entry_name(buffer, offset, header);
                           return name != "." && name != "..";
                       }));
    return !other;
}

// ----- the public operations -----

ErrorOr<InodeNumber> Volume::lookup(InodeNumber directory_number, ktl::StringView name) {
    if (name.is_empty() || name.length() > name_max)
        return name.is_empty() ? Errno::NoEntry : Errno::NameTooLong;
    LoadedInode directory = TRY(load_directory(directory_number));
    Buffer buffer = TRY(new_buffer());
    Found found;
    if (!TRY(find_entry(directory, name, found, buffer)))
        return Errno::NoEntry;
    return found.inode;
}

ErrorOr<void> Volume::read_directory(InodeNumber directory_number, uint64_t cookie,
                                     ktl::FunctionRef<bool(const DirectoryEntry&)> emit) {
    LoadedInode directory = TRY(load_directory(directory_number));
    Buffer buffer = TRY(new_buffer());
    // A cookie is a byte position; one from before a change may point inside an entry, so each
    // block is walked from its start and entries before the position are skipped.
    uint64_t first_logical = cookie / m_block_size;
    TRY(walk_directory(
        directory, buffer, first_logical,
        [&](uint64_t logical, uint32_t offset, uint32_t, const disk::DirectoryEntryHeader& header) {
            uint64_t position = logical * m_block_size + offset;
            if (position < cookie || !header.inode)
                return false;
            DirectoryEntry entry;
            entry.name = entry_name(buffer, offset, header);
            entry.inode = header.inode;
            entry.type = file_type_for(mode_regular) ? directory_type(header.file_type) : 0;
            entry.next_cookie = position + header.record_length;
            return !emit(entry);
        }));
    return {};
}

ErrorOr<InodeNumber> Volume::create(InodeNumber directory_number, ktl::StringView name, const NewInode& what,
                                    ktl::StringView symlink_target) {
    TRY(check_writable());
    TRY(check_name(name));
    uint16_t type = what.mode & mode_type_mask;
    if (!valid_type(type))
        return Errno::InvalidArgument;
    if (type == mode_symlink && symlink_target.is_empty())
        return Errno::NoEntry;
    if (type == mode_symlink && symlink_target.length() >= m_block_size)
        return Errno::NameTooLong;
    LoadedInode directory = TRY(load_directory(directory_number));
    if (directory.raw.links_count == 0)
        return Errno::NoEntry; // removed while someone still had it open
    bool is_directory = type == mode_directory;
    if (is_directory && directory.raw.links_count >= disk::link_max)
        return Errno::TooManyLinks;
    // A taken name shows in add_entry's walk (EEXIST), and the new inode is undone: one walk of the
    // directory per create instead of two (the VFS has usually looked the name up already).
    LoadedInode inode;
    inode.number = TRY(allocate_inode(directory_number, is_directory));
    disk::Inode& raw = inode.raw;
    raw.mode = what.mode;
    raw.uid = static_cast<uint16_t>(what.uid);
    raw.uid_high = static_cast<uint16_t>(what.uid >> 16);
    raw.gid = static_cast<uint16_t>(what.gid);
    raw.gid_high = static_cast<uint16_t>(what.gid >> 16);
    raw.access_time = raw.modify_time = raw.change_time = static_cast<uint32_t>(now());
    raw.links_count = is_directory ? 2 : 1;
    raw.generation = m_next_generation++;
    if (type == mode_character_device || type == mode_block_device) {
        if (what.device_major < 256 && what.device_minor < 256)
            raw.block[0] = (what.device_major << 8) | what.device_minor;
        else
            raw.block[1] =
                (what.device_minor & 0xff) | (what.device_major << 8) | ((what.device_minor & ~0xffu) << 12);
    }
    auto fill = [&]() -> ErrorOr<void> {
        TRY(store_new_inode(inode));
        if (is_directory) {
            bool fresh = false;
            uint32_t block = TRY(map_or_allocate(inode, 0, fresh));
            Buffer buffer = TRY(new_buffer());
            __builtin_memset(buffer.data(), 0, m_block_size);
            disk::DirectoryEntryHeader dot{inode.number, 12, 1, file_type_for(mode_directory)};
            disk::DirectoryEntryHeader dot_dot{directory_number, static_cast<uint16_t>(m_block_size - 12), 2,
                                               file_type_for(mode_directory)};
            __builtin_memcpy(buffer.data(), &dot, sizeof dot);
            buffer[8] = '.';
            __builtin_memcpy(buffer.data() + 12, &dot_dot, sizeof dot_dot);
            buffer[20] = '.';
            buffer[21] = '.';
            TRY(write_block(block, buffer));
            inode.set_size(m_block_size);
        } else if (type == mode_symlink) {
            if (symlink_target.length() < disk::fast_symlink_max) {
                __builtin_memcpy(inode.raw.block, symlink_target.data(), symlink_target.length());
                inode.fast_symlink = true;
            } else {
                bool fresh = false;
                uint32_t block = TRY(map_or_allocate(inode, 0, fresh));
                Buffer buffer = TRY(new_buffer());
                __builtin_memset(buffer.data(), 0, m_block_size);
                __builtin_memcpy(buffer.data(), symlink_target.data(), symlink_target.length());
                TRY(write_block(block, buffer));
            }
            inode.set_size(symlink_target.length());
        }
        TRY(store_inode(inode));
        TRY(add_entry(directory, name, inode.number, what.mode));
        if (is_directory) {
            directory.raw.links_count++;
            TRY(store_inode(directory));
        }
        return {};
    };
    auto filled = fill();
    if (filled.is_error()) {
        // Undo: the inode has no name, so it goes now.
        inode.raw.links_count = 0;
        (void)free_inode(inode);
        return filled.release_error();
    }
    return inode.number;
}

ErrorOr<void> Volume::link(InodeNumber directory_number, ktl::StringView name, InodeNumber target_number) {
    TRY(check_writable());
    TRY(check_name(name));
    LoadedInode directory = TRY(load_directory(directory_number));
    LoadedInode target = TRY(load_inode(target_number));
    if (target.is_directory())
        return Errno::NotPermitted;
    if (target.raw.links_count == 0 || directory.raw.links_count == 0)
        return Errno::NoEntry;
    if (target.raw.links_count >= disk::link_max)
        return Errno::TooManyLinks;
    TRY(add_entry(directory, name, target_number, target.raw.mode)); // EEXIST if the name is taken
    target.raw.links_count++;
    target.raw.change_time = static_cast<uint32_t>(now());
    return store_inode(target);
}

ErrorOr<Unlinked> Volume::unlink(InodeNumber directory_number, ktl::StringView name, bool is_directory) {
    TRY(check_writable());
    TRY(check_name(name));
    LoadedInode directory = TRY(load_directory(directory_number));
    Buffer buffer = TRY(new_buffer());
    Found found;
    if (!TRY(find_entry(directory, name, found, buffer)))
        return Errno::NoEntry;
    if (found.inode == directory_number)
        return corrupt("directory {} names itself as {}", directory_number, name);
    LoadedInode target = TRY(load_inode(found.inode));
    if (is_directory) {
        if (!target.is_directory())
            return Errno::NotDirectory;
        if (!TRY(directory_is_empty(target)))
            return Errno::NotEmpty;
        if (directory.raw.links_count > 1)
            directory.raw.links_count--; // the child's ".."
    } else if (target.is_directory()) {
        return Errno::IsDirectory;
    }
    TRY(remove_entry(directory, found, buffer));
    if (is_directory)
        target.raw.links_count = 0;
    else if (target.raw.links_count)
        target.raw.links_count--;
    target.raw.change_time = static_cast<uint32_t>(now());
    TRY(store_inode(target));
    return Unlinked{target.number, target.raw.links_count};
}

ErrorOr<Unlinked> Volume::rename(InodeNumber old_directory_number, ktl::StringView old_name,
                                 InodeNumber new_directory_number, ktl::StringView new_name) {
    TRY(check_writable());
    TRY(check_name(old_name));
    TRY(check_name(new_name));
    bool same_directory = old_directory_number == new_directory_number;
    if (same_directory && old_name == new_name)
        return Unlinked{};
    LoadedInode old_directory = TRY(load_directory(old_directory_number));
    LoadedInode other_directory;
    if (!same_directory)
        other_directory = TRY(load_directory(new_directory_number));
    LoadedInode& new_directory = same_directory ? old_directory : other_directory;
    if (new_directory.raw.links_count == 0)
        return Errno::NoEntry;

    Buffer buffer = TRY(new_buffer());
    Found found;
    if (!TRY(find_entry(old_directory, old_name, found, buffer)))
        return Errno::NoEntry;
    if (found.inode == old_directory_number || found.inode == new_directory_number)
        return Errno::InvalidArgument; // a directory into itself (the caller should have refused it)
    LoadedInode source = TRY(load_inode(found.inode));
    bool moving_directory = source.is_directory();

    Found existing;
    LoadedInode target;
    bool replacing = TRY(find_entry(new_directory, new_name, existing, buffer));
    if (replacing) {
        if (existing.inode == source.number)
            return Unlinked{}; // two names of one inode: POSIX says nothing happens
        if (existing.inode == old_directory_number || existing.inode == new_directory_number)
            return Errno::InvalidArgument;
        target = TRY(load_inode(existing.inode));
        if (moving_directory) {
            if (!target.is_directory())
                return Errno::NotDirectory;
            if (!TRY(directory_is_empty(target)))
                return Errno::NotEmpty;
        } else if (target.is_directory()) {
            return Errno::IsDirectory;
        }
    } else if (moving_directory && !same_directory && new_directory.raw.links_count >= disk::link_max) {
        return Errno::TooManyLinks;
    }

    // The new name first, so a failure midway leaves the file reachable under at least one name.
    if (replacing)
        TRY(set_entry_inode(new_directory, new_name, source.number, source.raw.mode));
    else
        TRY(add_entry(new_directory, new_name, source.number, source.raw.mode));
    if (!TRY(find_entry(old_directory, old_name, found, buffer)))
        return corrupt("directory {} lost entry {} during rename", old_directory_number, old_name);
    TRY(remove_entry(old_directory, found, buffer));

    if (moving_directory && !same_directory) {
        TRY(set_entry_inode(source, "..", new_directory_number, mode_directory));
        if (old_directory.raw.links_count > 1)
            old_directory.raw.links_count--;
        new_directory.raw.links_count++;
    }
    Unlinked result;
    if (replacing) {
        if (target.is_directory()) {
            target.raw.links_count = 0;
            if (new_directory.raw.links_count > 1)
                new_directory.raw.links_count--; // the replaced directory's ".."
        } else if (target.raw.links_count) {
            target.raw.links_count--;
        }
        target.raw.change_time = static_cast<uint32_t>(now());
        TRY(store_inode(target));
        result = {target.number, target.raw.links_count};
    }
    source.raw.change_time = static_cast<uint32_t>(now());
    TRY(store_inode(source));
    TRY(store_inode(old_directory));
    if (!same_directory)
        TRY(store_inode(new_directory));
    return result;
}

ErrorOr<void> Volume::exchange(InodeNumber first_directory_number, ktl::StringView first_name,
                               InodeNumber second_directory_number, ktl::StringView second_name) {
    TRY(check_writable());
    TRY(check_name(first_name));
    TRY(check_name(second_name));
    bool same_directory = first_directory_number == second_directory_number;
    if (same_directory && first_name == second_name)
        return {};
    LoadedInode first_directory = TRY(load_directory(first_directory_number));
    LoadedInode other;
    if (!same_directory)
        other = TRY(load_directory(second_directory_number));
    LoadedInode& second_directory = same_directory ? first_directory : other;
    InodeNumber first_number = 0, second_number = 0;
    {
        Buffer buffer = TRY(new_buffer());
        Found found;
        if (!TRY(find_entry(first_directory, first_name, found, buffer)))
            return Errno::NoEntry;
        first_number = found.inode;
        if (!TRY(find_entry(second_directory, second_name, found, buffer)))
            return Errno::NoEntry;
        second_number = found.inode;
    }
    if (first_number == second_number)
        return {};
    if (first_number == first_directory_number || first_number == second_directory_number ||
        second_number == first_directory_number || second_number == second_directory_number)
        return Errno::InvalidArgument;
    LoadedInode first = TRY(load_inode(first_number));
    LoadedInode second = TRY(load_inode(second_number));
    TRY(set_entry_inode(first_directory, first_name, second_number, second.raw.mode));
    TRY(set_entry_inode(second_directory, second_name, first_number, first.raw.mode));
    if (!same_directory) {
        // A directory changing parent: its ".." follows, and the parents' counts with it.
        if (first.is_directory()) {
            TRY(set_entry_inode(first, "..", second_directory_number, mode_directory));
            first_directory.raw.links_count--;
            second_directory.raw.links_count++;
        }
        if (second.is_directory()) {
            TRY(set_entry_inode(second, "..", first_directory_number, mode_directory));
            second_directory.raw.links_count--;
            first_directory.raw.links_count++;
        }
    }
    int64_t time = now();
    first.raw.change_time = second.raw.change_time = static_cast<uint32_t>(time);
    TRY(store_inode(first));
    TRY(store_inode(second));
    TRY(store_inode(first_directory));
    if (!same_directory)
        TRY(store_inode(second_directory));
    return {};
}

ErrorOr<bool> Volume::free_inode_if_unlinked(InodeNumber number) {
    TRY(check_writable());
    // A free that failed part-way (no memory for a block it had to read) is tried again by the
    // caller: an inode already marked deleted only needs its bitmap bit, if that is still set.
    LoadedInode raw = TRY(read_raw_inode(number));
    if (raw.raw.mode == 0 || (raw.raw.links_count == 0 && raw.raw.delete_time != 0)) {
        if (!TRY(inode_number_in_use(number)))
            return false;
        TRY(free_inode_number(number, raw.is_directory()));
        return true;
    }
    LoadedInode inode = TRY(load_inode(number));
    if (inode.raw.links_count != 0)
        return false;
    TRY(free_inode(inode));
    return true;
}

ErrorOr<void> Volume::free_inode(LoadedInode& inode) {
    if (inode.has_block_map()) {
        auto freed = free_blocks_from(inode, 0);
        if (freed.is_error()) {
            (void)store_inode(inode); // what was freed is out of the map too
            return freed;
        }
    }
    if (inode.raw.file_acl) {
        // An extended attribute block may be shared (h_refcount): free it with its last user.
        uint32_t block = inode.raw.file_acl;
        Buffer buffer = TRY(new_buffer());
        TRY(read_block(block, buffer));
        uint32_t header[2];
        __builtin_memcpy(header, buffer.data(), sizeof header);
        if (header[0] != disk::xattr_magic)
            return corrupt("inode {}: extended attribute block {} has a bad magic", inode.number, block);
        if (header[1] > 1) {
            header[1]--;
            __builtin_memcpy(buffer.data(), header, sizeof header);
            TRY(write_block(block, buffer));
            uint32_t sectors = m_block_size / 512;
            inode.raw.blocks = inode.raw.blocks >= sectors ? inode.raw.blocks - sectors : 0;
        } else {
            TRY(release_block(block, inode));
        }
        inode.raw.file_acl = 0;
    }
    bool was_directory = inode.is_directory();
    inode.raw.delete_time = static_cast<uint32_t>(now());
    inode.raw.size = 0;
    inode.raw.size_high = 0;
    inode.raw.links_count = 0;
    TRY(store_inode(inode));
    return free_inode_number(inode.number, was_directory);
}

} // namespace ext2
