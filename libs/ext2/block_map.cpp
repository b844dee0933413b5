// Block maps (12 direct pointers, then single, double and triple indirect blocks), file data, truncate,
// attributes and symlink text. Every pointer read from disk is checked before it is followed; a walk
// is at most three levels deep, and frees are checked against the bitmap, so a map that loops or
// shares blocks ends in an error rather than a hang.
#include "ext2/volume.h"

namespace ext2 {

namespace {

// Where logical block `logical` sits: i_block[slot], then `depth` indirect indices.
struct MapPath {
    uint32_t slot = 0;
    int depth = 0;
    uint32_t index[3] = {};
};

bool path_of(uint64_t logical, uint32_t per_block, MapPath& path) {
    if (logical < disk::direct_blocks) {
        path.slot = static_cast<uint32_t>(logical);
        path.depth = 0;
        return true;
    }
    logical -= disk::direct_blocks;
    uint64_t span = per_block;
    for (int depth = 1; depth <= 3; ++depth) {
        if (logical < span) {
            path.slot = disk::indirect_slot + depth - 1;
            path.depth = depth;
            for (int level = depth - 1; level >= 0; --level) {
                path.index[level] = static_cast<uint32_t>(logical % per_block);
                logical /= per_block;
            }
            return true;
        }
        logical -= span;
        span *= per_block;
    }
    return false;
}

uint32_t entry_at(const Buffer& buffer, uint32_t index) {
    uint32_t value;
    __builtin_memcpy(&value, buffer.data() + size_t(index) * 4, 4);
    return value;
}

void set_entry(Buffer& buffer, uint32_t index, uint32_t value) {
    __builtin_memcpy(buffer.data() + size_t(index) * 4, &value, 4);
}

} // namespace

uint64_t Volume::max_file_size() const {
    uint64_t n = m_pointers_per_block;
    uint64_t mapped = (disk::direct_blocks + n + n * n + n * n * n) * m_block_size;
    // i_blocks counts 512-byte sectors in 32 bits, indirect blocks included: stay well inside it.
    uint64_t counted = ((1ull << 32) - 1) * 512 - (n * n + n + 2) * m_block_size;
    return mapped < counted ? mapped : counted;
}

ErrorOr<uint32_t> Volume::map_block(const LoadedInode& inode, uint64_t logical) {
    MapPath path;
    if (!path_of(logical, m_pointers_per_block, path))
        return 0u;
    uint32_t pointer = inode.raw.block[path.slot];
    if (path.depth == 0 || pointer == 0) {
        if (pointer && !valid_block(pointer))
            return corrupt("inode {}: block {} is outside the file system", inode.number, pointer);
        return pointer;
    }
    for (int level = 0; level < path.depth && pointer; ++level) {
        if (!valid_block(pointer))
            return corrupt("inode {}: indirect block {} is outside the file system", inode.number, pointer);
        pointer = TRY(read_pointer(pointer, path.index[level]));
    }
    if (pointer && !valid_block(pointer))
        return corrupt("inode {}: block {} is outside the file system", inode.number, pointer);
    return pointer;
}

ErrorOr<uint32_t> Volume::map_or_allocate(LoadedInode& inode, uint64_t logical, bool& fresh) {
    fresh = false;
    MapPath path;
    if (!path_of(logical, m_pointers_per_block, path))
        return Errno::FileTooBig;
    const uint32_t sectors = m_block_size / 512;
    // Near the inode's group unless a neighbour gives a better goal.
    uint32_t goal = first_block_of_group(group_of_inode(inode.number));
    auto allocate = [&](uint32_t near, bool zero) -> ErrorOr<uint32_t> {
        if (uint64_t(inode.raw.blocks) + sectors > UINT32_MAX)
            return Errno::FileTooBig;
        uint32_t block = TRY(allocate_block(near));
        inode.raw.blocks += sectors;
        if (zero)
            TRY(zero_block(block));
        return block;
    };

    uint32_t& top = inode.raw.block[path.slot];
    if (path.depth == 0 && path.slot > 0 && inode.raw.block[path.slot - 1])
        goal = inode.raw.block[path.slot - 1] + 1;
    if (top == 0) {
        top = TRY(allocate(goal, path.depth > 0));
        fresh = path.depth == 0;
    } else if (!valid_block(top)) {
        return corrupt("inode {}: block {} is outside the file system", inode.number, top);
    }
    uint32_t pointer = top;
    if (path.depth == 0)
        return pointer;
    for (int level = 0; level < path.depth; ++level) {
        uint32_t index = path.index[level];
        uint32_t next = TRY(read_pointer(pointer, index));
        if (next == 0) {
            uint32_t previous = index > 0 ? TRY(read_pointer(pointer, index - 1)) : 0;
            uint32_t near = previous ? previous + 1 : pointer + 1;
            bool data = level + 1 == path.depth;
            next = TRY(allocate(near, !data));
            TRY(write_pointer(pointer, index, next));
            fresh = data;
        } else if (!valid_block(next)) {
            return corrupt("inode {}: block {} is outside the file system", inode.number, next);
        }
        pointer = next;
    }
    return pointer;
}

ErrorOr<void> Volume::release_block(uint32_t block, LoadedInode& inode) {
    TRY(free_block(block));
    uint32_t sectors = m_block_size / 512;
    inode.raw.blocks = inode.raw.blocks >= sectors ? inode.raw.blocks - sectors : 0;
    return {};
}

// Frees the subtree at `pointer` (level 0: a data block) and clears `pointer`. On an error midway the
// blocks freed so far are cleared from the map on disk too, so map and bitmap still agree.
ErrorOr<void> Volume::free_tree(uint32_t& pointer, int level, LoadedInode& inode) {
    if (level > 0) {
        Buffer buffer = TRY(new_buffer());
        TRY(read_block(pointer, buffer));
        for (uint32_t i = 0; i < m_pointers_per_block; ++i) {
            uint32_t child = entry_at(buffer, i);
            if (!child)
                continue;
            auto freed = free_tree(child, level - 1, inode);
            set_entry(buffer, i, child);
            if (freed.is_error()) {
                (void)write_block(pointer, buffer);
                return freed;
            }
        }
    }
    TRY(release_block(pointer, inode));
    pointer = 0;
    return {};
}

// Frees what the subtree at `pointer` (level 0: a data block) maps at logical >= `keep`; `first` is
// its first logical block. Clears `pointer` when nothing is left under it.
ErrorOr<void> Volume::truncate_tree(uint32_t& pointer, int level, uint64_t first, uint64_t keep,
                                    LoadedInode& inode) {
    if (pointer == 0)
        return {};
    if (first >= keep)
        return free_tree(pointer, level, inode);
    uint64_t child_span = 1;
    for (int i = 1; i < level; ++i)
        child_span *= m_pointers_per_block;
    if (level == 0 || first + child_span * m_pointers_per_block <= keep)
        return {}; // all of it stays
    Buffer buffer = TRY(new_buffer());
    TRY(read_block(pointer, buffer));
    bool changed = false;
    bool empty = true;
    for (uint32_t i = 0; i < m_pointers_per_block; ++i) {
        uint32_t child = entry_at(buffer, i);
        uint64_t child_first = first + i * child_span;
        if (child && child_first + child_span > keep) {
            auto truncated = truncate_tree(child, level - 1, child_first, keep, inode);
            set_entry(buffer, i, child);
            changed = true;
            if (truncated.is_error()) {
                (void)write_block(pointer, buffer);
                return truncated;
            }
        }
        if (child)
            empty = false;
    }
    if (empty)
        return free_tree(pointer, 0, inode); // the indirect block itself, now mapping nothing
    if (changed)
        TRY(write_block(pointer, buffer));
    return {};
}

ErrorOr<void> Volume::free_blocks_from(LoadedInode& inode, uint64_t keep) {
    for (uint32_t i = 0; i < disk::direct_blocks; ++i)
        if (i >= keep && inode.raw.block[i])
            TRY(free_tree(inode.raw.block[i], 0, inode));
    uint64_t first = disk::direct_blocks;
    uint64_t span = m_pointers_per_block;
    for (int level = 1; level <= 3; ++level) {
        uint32_t& pointer = inode.raw.block[disk::indirect_slot + level - 1];
        TRY(truncate_tree(pointer, level, first, keep, inode));
        first += span;
        span *= m_pointers_per_block;
    }
    return {};
}

// ----- listing (fsync) -----

// Joins the blocks of a walk into runs and counts them against what the inode says it owns.
struct Volume::BlockLister {
    BlockLister(const LoadedInode& inode, FileSystem::EmitRun emit, uint64_t budget)
        : inode(inode), emit(emit), budget(budget) {}

    const LoadedInode& inode;
    FileSystem::EmitRun emit;
    uint64_t budget = 0; // blocks the map may still hold
    BlockRun run;
    Buffer levels[3]; // one indirect block per level of the walk

    ErrorOr<void> add(uint64_t block, BlockRole role) {
        if (run.count && role == run.role && block == run.first + run.count) {
            ++run.count;
            return {};
        }
        TRY(finish());
        run = {block, 1, role};
        return {};
    }
    ErrorOr<void> finish() {
        if (run.count == 0)
            return {};
        BlockRun done = run;
        run.count = 0;
        return emit(done);
    }
};

ErrorOr<void> Volume::list_tree(uint32_t pointer, int level, BlockLister& lister) {
    const InodeNumber number = lister.inode.number;
    if (!valid_block(pointer))
        return corrupt("inode {}: block {} is outside the file system", number, pointer);
    // Every block listed is one the inode counts: a map that loops runs out of them.
    if (lister.budget == 0)
        return corrupt("inode {}: its map holds more blocks than it counts", number);
    --lister.budget;
    if (level == 0)
        return lister.add(pointer, BlockRole::Data);
    TRY(lister.add(pointer, BlockRole::Indirect));
    Buffer& buffer = lister.levels[level - 1];
    if (buffer.size() == 0)
        buffer = TRY(new_buffer());
    TRY(read_block(pointer, buffer));
    for (uint32_t i = 0; i < m_pointers_per_block; ++i) {
        uint32_t child = entry_at(buffer, i);
        if (child)
            TRY(list_tree(child, level - 1, lister));
    }
    return {};
}

ErrorOr<void> Volume::list_blocks(InodeNumber number, FileSystem::EmitRun emit) {
    LoadedInode inode = TRY(load_inode(number));
    uint64_t budget = inode.raw.blocks / (m_block_size / 512);
    BlockLister lister(inode, emit, budget < m_blocks_count ? budget : m_blocks_count);
    TRY(lister.add(inode_table_block(number), BlockRole::Inode));
    if (inode.has_block_map()) {
        for (uint32_t slot = 0; slot < disk::direct_blocks; ++slot)
            if (uint32_t pointer = inode.raw.block[slot])
                TRY(list_tree(pointer, 0, lister));
        for (int level = 1; level <= 3; ++level)
            if (uint32_t pointer = inode.raw.block[disk::indirect_slot + level - 1])
                TRY(list_tree(pointer, level, lister));
    }
    return lister.finish();
}

// ----- data -----

ErrorOr<size_t> Volume::read_data(const LoadedInode& inode, uint64_t offset, size_t length,
                                  FileSystem::ConsumeChunk consume) {
    uint64_t size = inode.size();
    if (offset >= size || length == 0)
        return size_t(0);
    if (length > size - offset)
        length = static_cast<size_t>(size - offset);
    Buffer buffer = TRY(new_buffer());
    size_t done = 0;
    while (done < length) {
        uint64_t position = offset + done;
        uint64_t logical = position / m_block_size;
        uint32_t in_block = static_cast<uint32_t>(position % m_block_size);
        size_t chunk = m_block_size - in_block;
        if (chunk > length - done)
            chunk = length - done;
        uint32_t block = TRY(map_block(inode, logical));
        ErrorOr<void> consumed;
        // Straight from the store's memory when it lends blocks: no metadata block is changed
        // during a read, so the store's copy is current.
        auto borrowed =
            block ? m_store.borrow_block(block, m_block_size) : ErrorOr<const uint8_t*>(Errno::NotSupported);
        if (!borrowed.is_error()) {
            consumed = consume(borrowed.value() + in_block, chunk);
            m_store.return_block(block, m_block_size);
        } else {
            if (block == 0)
                __builtin_memset(buffer.data(), 0, m_block_size);
            else
                TRY(read_data_block(block, buffer));
            consumed = consume(buffer.data() + in_block, chunk);
        }
        if (consumed.is_error()) {
            if (done)
                break;
            return consumed.release_error();
        }
        done += chunk;
    }
    return done;
}

ErrorOr<size_t> Volume::write_data(LoadedInode& inode, uint64_t offset, size_t length,
                                   FileSystem::ProduceChunk produce) {
    if (length == 0)
        return size_t(0);
    uint64_t limit = max_file_size();
    if (offset >= limit || length > limit - offset)
        return Errno::FileTooBig;
    if (offset + length > 0x7fffffffu)
        TRY(note_large_file());
    Buffer buffer = TRY(new_buffer());
    uint64_t old_size = inode.size();
    size_t done = 0;
    ErrorOr<void> failure;
    while (done < length) {
        uint64_t position = offset + done;
        uint64_t logical = position / m_block_size;
        uint32_t in_block = static_cast<uint32_t>(position % m_block_size);
        size_t chunk = m_block_size - in_block;
        if (chunk > length - done)
            chunk = length - done;
        bool fresh = false;
        auto mapped = map_or_allocate(inode, logical, fresh);
        if (mapped.is_error()) {
            failure = mapped.release_error();
            break;
        }
        uint32_t block = mapped.value();
        if (fresh) {
            __builtin_memset(buffer.data(), 0, m_block_size);
        } else if (chunk < m_block_size) {
            failure = read_data_block(block, buffer);
            if (failure.is_error())
                break;
        }
        failure = produce(buffer.data() + in_block, chunk);
        if (failure.is_error()) {
            if (fresh) {
                __builtin_memset(buffer.data(), 0, m_block_size);
                (void)write_data_block(block, buffer);
            }
            break;
        }
        failure = write_data_block(block, buffer);
        if (failure.is_error())
            break;
        done += chunk;
    }
    uint64_t end = offset + done;
    if (end > old_size)
        inode.set_size(end);
    if (failure.is_error()) {
        // Blocks allocated past the end for nothing: give them back so the map matches the size.
        (void)free_blocks_from(inode, (inode.size() + m_block_size - 1) / m_block_size);
    }
    if (done) {
        int64_t time = now();
        inode.raw.modify_time = inode.raw.change_time = static_cast<uint32_t>(time);
    }
    TRY(store_inode(inode));
    if (done == 0 && failure.is_error())
        return failure.release_error();
    return done;
}

ErrorOr<void> Volume::resize(LoadedInode& inode, uint64_t size) {
    if (size > max_file_size())
        return Errno::FileTooBig;
    if (size > 0x7fffffffu)
        TRY(note_large_file());
    uint64_t old_size = inode.size();
    if (size < old_size) {
        uint64_t keep = (size + m_block_size - 1) / m_block_size;
        auto freed = free_blocks_from(inode, keep);
        if (freed.is_error()) {
            (void)store_inode(inode); // what was freed is out of the map too
            return freed;
        }
        // The rest of the last block must read as zeros if the file grows again.
        if (size % m_block_size) {
            uint32_t block = TRY(map_block(inode, keep - 1));
            if (block) {
                Buffer buffer = TRY(new_buffer());
                TRY(read_data_block(block, buffer));
                __builtin_memset(buffer.data() + size % m_block_size, 0, m_block_size - size % m_block_size);
                TRY(write_data_block(block, buffer));
            }
        }
    }
    inode.set_size(size);
    int64_t time = now();
    inode.raw.modify_time = inode.raw.change_time = static_cast<uint32_t>(time);
    return store_inode(inode);
}

// ----- the public operations on files -----

ErrorOr<size_t> Volume::read(InodeNumber number, uint64_t offset, size_t length,
                             FileSystem::ConsumeChunk consume) {
    LoadedInode inode = TRY(load_inode(number));
    if (inode.is_directory())
        return Errno::IsDirectory;
    if (!inode.is_regular())
        return Errno::InvalidArgument;
    return read_data(inode, offset, length, consume);
}

ErrorOr<size_t> Volume::write(InodeNumber number, uint64_t offset, size_t length,
                              FileSystem::ProduceChunk produce) {
    TRY(check_writable());
    LoadedInode inode = TRY(load_inode(number));
    if (inode.is_directory())
        return Errno::IsDirectory;
    if (!inode.is_regular())
        return Errno::InvalidArgument;
    return write_data(inode, offset, length, produce);
}

ErrorOr<void> Volume::truncate(InodeNumber number, uint64_t size) {
    TRY(check_writable());
    LoadedInode inode = TRY(load_inode(number));
    if (inode.is_directory())
        return Errno::IsDirectory;
    if (!inode.is_regular())
        return Errno::InvalidArgument;
    return resize(inode, size);
}

ErrorOr<void> Volume::set_attributes(InodeNumber number, const AttributeChange& change) {
    TRY(check_writable());
    LoadedInode inode = TRY(load_inode(number));
    disk::Inode& raw = inode.raw;
    if (change.which & AttributeChange::Mode)
        raw.mode = static_cast<uint16_t>((raw.mode & mode_type_mask) | (change.mode & mode_permissions));
    if (change.which & AttributeChange::Uid) {
        raw.uid = static_cast<uint16_t>(change.uid);
        raw.uid_high = static_cast<uint16_t>(change.uid >> 16);
    }
    if (change.which & AttributeChange::Gid) {
        raw.gid = static_cast<uint16_t>(change.gid);
        raw.gid_high = static_cast<uint16_t>(change.gid >> 16);
    }
    if (change.which & AttributeChange::AccessTime)
        raw.access_time = static_cast<uint32_t>(change.access_time);
    if (change.which & AttributeChange::ModifyTime)
        raw.modify_time = static_cast<uint32_t>(change.modify_time);
    raw.change_time =
        static_cast<uint32_t>(change.which & AttributeChange::ChangeTime ? change.change_time : now());
    return store_inode(inode);
}

ErrorOr<void> Volume::allocate(InodeNumber number, uint64_t offset, uint64_t length) {
    TRY(check_writable());
    LoadedInode inode = TRY(load_inode(number));
    if (inode.is_directory())
        return Errno::IsDirectory;
    if (!inode.is_regular())
        return Errno::NoDevice;
    uint64_t limit = max_file_size();
    if (length == 0 || offset >= limit || length > limit - offset)
        return length == 0 ? Errno::InvalidArgument : Errno::FileTooBig;
    Buffer zeros = TRY(new_buffer());
    __builtin_memset(zeros.data(), 0, m_block_size);
    ErrorOr<void> result;
    for (uint64_t logical = offset / m_block_size; logical <= (offset + length - 1) / m_block_size;
         ++logical) {
        bool fresh = false;
        auto block = map_or_allocate(inode, logical, fresh);
        if (block.is_error()) {
            result = block.release_error();
            break;
        }
        if (fresh && (result = write_data_block(block.value(), zeros)).is_error())
            break;
    }
    // Blocks past the end are not allowed in ext2 (no "keep size" extents): the caller's fallocate
    // without KEEP_SIZE grows the size, so only the blocks inside the size are kept.
    uint64_t end = offset + length;
    if (result.is_error() || end > inode.size()) {
        if (!result.is_error() && end > inode.size()) {
            if (end > 0x7fffffffu)
                TRY(note_large_file());
            inode.set_size(end);
        }
        (void)free_blocks_from(inode, (inode.size() + m_block_size - 1) / m_block_size);
    }
    inode.raw.change_time = static_cast<uint32_t>(now());
    TRY(store_inode(inode));
    return result;
}

ErrorOr<ktl::String> Volume::readlink(InodeNumber number) {
    LoadedInode inode = TRY(load_inode(number));
    if (!inode.is_symlink())
        return Errno::InvalidArgument;
    size_t length = static_cast<size_t>(inode.size()); // < block size, checked by load_inode
    if (inode.fast_symlink)
        return ktl::String::try_create({reinterpret_cast<const char*>(inode.raw.block), length});
    uint32_t block = TRY(map_block(inode, 0));
    if (block == 0)
        return corrupt("symlink {} has no block", number);
    Buffer buffer = TRY(new_buffer());
    TRY(read_block(block, buffer));
    return ktl::String::try_create({reinterpret_cast<const char*>(buffer.data()), length});
}

} // namespace ext2
