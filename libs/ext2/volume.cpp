// Mount checks, the superblock and group descriptors, bitmaps and allocation, inodes.
#include "ext2/volume.h"

namespace ext2 {

namespace {

constexpr const char* incompat_names[] = {"compression",    "filetype", "journal needs recovery",
                                          "journal device", "meta_bg",  "0x20",
                                          "extents",        "64bit",    "mmp",
                                          "flex_bg"};

ktl::StringView incompat_name(uint32_t bit_index) {
    if (bit_index < sizeof incompat_names / sizeof *incompat_names)
        return incompat_names[bit_index];
    return "unknown";
}

bool is_power_of(uint32_t value, uint32_t base) {
    while (value > 1 && value % base == 0)
        value /= base;
    return value == 1;
}

} // namespace

ktl::Error Diagnostic::fail(Errno code, ktl::StringView text) {
    if (m_length == 0)
        set(text);
    return ktl::Error::from_errno(code);
}

void Diagnostic::set(ktl::StringView text) {
    m_length = text.length() < sizeof m_text - 1 ? text.length() : sizeof m_text - 1;
    for (size_t i = 0; i < m_length; ++i)
        m_text[i] = text[i];
    m_text[m_length] = '\0';
}

bool LoadedInode::has_block_map() const {
    return is_regular() || is_directory() || (is_symlink() && !fast_symlink);
}

uint64_t LoadedInode::size() const {
    if (is_regular())
        return raw.size | (uint64_t(raw.size_high) << 32);
    return raw.size;
}

void LoadedInode::set_size(uint64_t size) {
    raw.size = static_cast<uint32_t>(size);
    if (is_regular())
        raw.size_high = static_cast<uint32_t>(size >> 32);
}

// ----- mount -----

ErrorOr<void> Volume::mount(MountOptions options, Diagnostic& diagnostic) {
    uint64_t device_size = m_store.size();
    if (device_size < disk::superblock_offset + disk::superblock_size)
        return diagnostic.fail(Errno::InvalidArgument, "device too small for an ext2 superblock");
    {
        Buffer raw = TRY(Buffer::allocate(disk::superblock_size));
        auto read = m_store.read_block(1, disk::superblock_size, raw.data());
        if (read.is_error())
            return diagnostic.fail(read.error().code(), "cannot read the superblock");
        __builtin_memcpy(&m_super, raw.data(), sizeof m_super);
    }
    TRY(validate(diagnostic));
    {
        auto root = load_inode(root_inode);
        if (root.is_error() || !root.value().is_directory())
            return diagnostic.fail(Errno::InvalidArgument, "the root inode is not a directory");
        m_error.clear();
    }

    m_read_only = options.read_only;
    uint32_t unknown_ro = m_super.revision >= 1 ? m_super.feature_ro_compat & ~disk::ro_compat_supported : 0;
    if (unknown_ro && !m_read_only) {
        char text[160];
        m_read_only_reason.set(ktl::format_into(
            text, sizeof text, "unsupported RO_COMPAT features {:#x}: mounted read-only", unknown_ro));
        m_read_only = true;
    }
    if (!m_read_only) {
        // Mounted read-write: not clean until unmount() says so (as Linux does).
        m_super.state = static_cast<uint16_t>(m_super.state & ~disk::state_valid);
        m_super.mount_count++;
        m_super.mount_time = static_cast<uint32_t>(now());
        TRY(write_superblock());
        TRY(m_store.flush());
    }
    m_next_generation = static_cast<uint32_t>(now()) * 2654435761u;
    // statfs's total leaves out what is never file data, as Linux's ext2 does (its default
    // "bsddf"): the boot block, each group's superblock and descriptor copies, bitmaps and inode
    // table. The reserved descriptor blocks of resize_inode count as used, not as overhead.
    uint64_t overhead = m_first_data_block;
    for (uint32_t g = 0; g < m_group_count; ++g)
        if (group_has_superblock(g))
            overhead += 1 + m_descriptor_blocks;
    overhead += uint64_t(m_group_count) * (2 + m_inode_table_blocks);
    m_overhead = overhead;
    return {};
}

bool Volume::group_has_superblock(uint32_t group) const {
    if (group <= 1 || m_super.revision < 1 || !(m_super.feature_ro_compat & disk::ro_compat_sparse_super))
        return true;
    for (uint32_t base : {3u, 5u, 7u}) {
        uint64_t power = base;
        while (power < group)
            power *= base;
        if (power == group)
            return true;
    }
    return false;
}

ErrorOr<void> Volume::validate(Diagnostic& diagnostic) {
    char text[160];
    auto refuse = [&](ktl::StringView format, auto... args) {
        return diagnostic.fail(Errno::InvalidArgument, ktl::format_into(text, sizeof text, format, args...));
    };
    const disk::Superblock& s = m_super;
    if (s.magic != magic)
        return refuse("not ext2: magic {:#x}, expected 0xef53", s.magic);
    if (s.revision > 1)
        return refuse("unsupported revision {}", s.revision);
    if (s.log_block_size > 2)
        return refuse("unsupported block size {} (1, 2 and 4 KiB are)",
                      s.log_block_size < 20 ? 1024u << s.log_block_size : 0u);
    m_block_size = 1024u << s.log_block_size;
    m_pointers_per_block = m_block_size / 4;
    if (s.revision >= 1) {
        uint32_t incompat = s.feature_incompat & ~disk::incompat_supported;
        if (incompat) {
            uint32_t bit = __builtin_ctz(incompat);
            return refuse("unsupported INCOMPAT feature {:#x} ({})", 1u << bit, incompat_name(bit));
        }
        m_inode_size = s.inode_size;
        m_first_inode = s.first_inode;
        if (m_inode_size < disk::good_old_inode_size || m_inode_size > m_block_size ||
            !is_power_of(m_inode_size, 2))
            return refuse("bad inode size {}", m_inode_size);
        if (m_first_inode < disk::good_old_first_inode)
            return refuse("bad first inode {}", m_first_inode);
    } else {
        m_inode_size = disk::good_old_inode_size;
        m_first_inode = disk::good_old_first_inode;
    }
    m_blocks_count = s.blocks_count;
    m_inodes_count = s.inodes_count;
    m_first_data_block = s.first_data_block;
    m_blocks_per_group = s.blocks_per_group;
    m_inodes_per_group = s.inodes_per_group;
    if (m_first_data_block != (m_block_size == 1024 ? 1u : 0u))
        return refuse("bad first data block {}", m_first_data_block);
    if (m_blocks_per_group == 0 || m_blocks_per_group > m_block_size * 8 || m_blocks_per_group % 8)
        return refuse("bad blocks per group {}", m_blocks_per_group);
    if (m_inodes_per_group == 0 || m_inodes_per_group > m_block_size * 8 ||
        m_inodes_per_group % (m_block_size / m_inode_size))
        return refuse("bad inodes per group {}", m_inodes_per_group);
    if (m_blocks_count <= m_first_data_block + 1)
        return refuse("bad block count {}", m_blocks_count);
    if (uint64_t(m_blocks_count) * m_block_size > m_store.size())
        return refuse("the file system ({} blocks) is larger than the device ({} bytes)", m_blocks_count,
                      m_store.size());
    m_group_count = (m_blocks_count - m_first_data_block + m_blocks_per_group - 1) / m_blocks_per_group;
    if (uint64_t(m_group_count) * m_inodes_per_group != m_inodes_count)
        return refuse("inode count {} is not {} groups of {}", m_inodes_count, m_group_count,
                      m_inodes_per_group);
    if (m_first_inode >= m_inodes_count)
        return refuse("first inode {} past the inode count {}", m_first_inode, m_inodes_count);
    if (s.reserved_blocks_count > m_blocks_count)
        return refuse("more reserved blocks than blocks");
    m_inode_table_blocks = m_inodes_per_group * m_inode_size / m_block_size;
    uint64_t descriptor_blocks =
        (uint64_t(m_group_count) * sizeof(disk::GroupDescriptor) + m_block_size - 1) / m_block_size;
    if (m_first_data_block + 1 + descriptor_blocks > m_blocks_count)
        return refuse("group descriptor table past the end");
    m_descriptor_blocks = static_cast<uint32_t>(descriptor_blocks);

    if (m_descriptors.try_resize(size_t(m_descriptor_blocks) * m_block_size).is_error() ||
        m_dirty_tables.try_resize(m_descriptor_blocks).is_error())
        return Errno::NoMemory;
    for (uint32_t i = 0; i < m_descriptor_blocks; ++i) {
        auto read = m_store.read_block(m_first_data_block + 1 + i, m_block_size,
                                       m_descriptors.data() + size_t(i) * m_block_size);
        if (read.is_error())
            return diagnostic.fail(read.error().code(), "cannot read the group descriptors");
        m_dirty_tables[i] = 0;
    }
    for (uint32_t g = 0; g < m_group_count; ++g) {
        const disk::GroupDescriptor& d = group(g);
        if (!valid_block(d.block_bitmap) || !valid_block(d.inode_bitmap) || !valid_block(d.inode_table) ||
            uint64_t(d.inode_table) + m_inode_table_blocks > m_blocks_count)
            return refuse("group {}: bitmap or inode table outside the file system", g);
        // Writing a bitmap must never land on the primary superblock or descriptors.
        uint32_t reserved_end = m_first_data_block + 1 + m_descriptor_blocks;
        if (d.block_bitmap < reserved_end || d.inode_bitmap < reserved_end || d.inode_table < reserved_end)
            return refuse("group {}: bitmap or inode table overlaps the superblock or descriptors", g);
        if (d.free_blocks_count > blocks_in_group(g) || d.free_inodes_count > m_inodes_per_group ||
            d.used_dirs_count > m_inodes_per_group)
            return refuse("group {}: bad free or directory counts", g);
    }
    return {};
}

// ----- superblock and descriptors -----

disk::GroupDescriptor& Volume::group(uint32_t index) {
    return reinterpret_cast<disk::GroupDescriptor*>(m_descriptors.data())[index];
}

void Volume::mark_group_dirty(uint32_t index) {
    m_dirty_tables[index * sizeof(disk::GroupDescriptor) / m_block_size] = 1;
    m_super_dirty = true;
}

uint32_t Volume::blocks_in_group(uint32_t group) const {
    if (group + 1 < m_group_count)
        return m_blocks_per_group;
    return m_blocks_count - m_first_data_block - group * m_blocks_per_group;
}

ErrorOr<void> Volume::write_superblock() {
    m_super.write_time = static_cast<uint32_t>(now());
    // The superblock is bytes 1024..2047: block 1 of 1 KiB blocks, inside block 0 otherwise.
    uint32_t block = m_block_size == 1024 ? 1 : 0;
    uint32_t offset = m_block_size == 1024 ? 0 : 1024;
    Buffer buffer = TRY(new_buffer());
    TRY(m_store.read_block(block, m_block_size, buffer.data()));
    __builtin_memcpy(buffer.data() + offset, &m_super, sizeof m_super);
    TRY(m_store.write_block(block, m_block_size, buffer.data()));
    update_cached(block, buffer.data());
    m_super_dirty = false;
    return {};
}

ErrorOr<void> Volume::commit() {
    if (m_read_only)
        return {};
    for (CachedBlock& entry : m_cache)
        TRY(write_back(entry));
    for (uint32_t i = 0; i < m_descriptor_blocks; ++i) {
        if (!m_dirty_tables[i])
            continue;
        TRY(m_store.write_block(m_first_data_block + 1 + i, m_block_size,
                                m_descriptors.data() + size_t(i) * m_block_size));
        update_cached(m_first_data_block + 1 + i, m_descriptors.data() + size_t(i) * m_block_size);
        m_dirty_tables[i] = 0;
    }
    if (m_super_dirty)
        TRY(write_superblock());
    return {};
}

ErrorOr<void> Volume::sync() {
    if (m_read_only)
        return {};
    m_super_dirty = true;
    TRY(commit());
    return m_store.flush();
}

ErrorOr<void> Volume::unmount() {
    if (m_read_only)
        return {};
    m_super.state = static_cast<uint16_t>(m_super.state | disk::state_valid);
    TRY(sync());
    m_read_only = true; // a late call gets EROFS rather than reopening the file system
    return {};
}

Statistics Volume::statistics() const {
    Statistics result;
    result.block_size = m_block_size;
    result.blocks = m_blocks_count > m_overhead ? m_blocks_count - m_overhead : 0;
    result.free_blocks = m_super.free_blocks_count;
    result.available_blocks = m_super.free_blocks_count > m_super.reserved_blocks_count
                                  ? m_super.free_blocks_count - m_super.reserved_blocks_count
                                  : 0;
    result.inodes = m_inodes_count;
    result.free_inodes = m_super.free_inodes_count;
    return result;
}

void Volume::note_errors() {
    if (m_read_only || (m_super.state & disk::state_errors))
        return;
    m_super.state = static_cast<uint16_t>(m_super.state | disk::state_errors);
    m_super_dirty = true;
}

ErrorOr<void> Volume::note_large_file() {
    if (m_super.feature_ro_compat & disk::ro_compat_large_file)
        return {};
    if (m_super.revision < 1)
        return Errno::FileTooBig;
    m_super.feature_ro_compat |= disk::ro_compat_large_file;
    m_super_dirty = true;
    return {};
}

// ----- blocks -----

ErrorOr<Buffer> Volume::new_buffer() {
    return Buffer::allocate(m_block_size);
}

Volume::CachedBlock* Volume::cached(uint32_t block) {
    for (CachedBlock& entry : m_cache) {
        if (entry.block == block && block != 0) {
            entry.last_use = ++m_cache_clock;
            return &entry;
        }
    }
    return nullptr;
}

// What the store now holds for `block` (written around the cache): a cached copy follows.
void Volume::update_cached(uint32_t block, const uint8_t* data) {
    if (CachedBlock* entry = cached(block)) {
        __builtin_memcpy(entry->data.data(), data, m_block_size);
        entry->dirty = false;
    }
}

ErrorOr<void> Volume::write_back(CachedBlock& entry) {
    if (!entry.dirty)
        return {};
    TRY(m_store.write_block(entry.block, m_block_size, entry.data.data()));
    entry.dirty = false;
    return {};
}

ErrorOr<Volume::CachedBlock*> Volume::cache_entry_for(uint32_t block) {
    CachedBlock* victim = &m_cache[0];
    for (CachedBlock& entry : m_cache)
        if (entry.last_use < victim->last_use)
            victim = &entry;
    TRY(write_back(*victim));
    if (victim->data.size() != m_block_size)
        victim->data = TRY(Buffer::allocate(m_block_size));
    victim->block = block;
    victim->last_use = ++m_cache_clock;
    return victim;
}

ErrorOr<void> Volume::read_block(uint32_t block, Buffer& buffer) {
    if (!valid_block(block))
        return corrupt("block {} is outside the file system", block);
    if (CachedBlock* entry = cached(block)) {
        __builtin_memcpy(buffer.data(), entry->data.data(), m_block_size);
        return {};
    }
    TRY(m_store.read_block(block, m_block_size, buffer.data()));
    if (block == 0)
        return {};
    CachedBlock* entry = TRY(cache_entry_for(block));
    __builtin_memcpy(entry->data.data(), buffer.data(), m_block_size);
    return {};
}

ErrorOr<uint8_t*> Volume::metadata_block(uint32_t block, bool will_change) {
    if (!valid_block(block) || block == 0)
        return corrupt("block {} is outside the file system", block);
    if (will_change && m_read_only)
        return Errno::ReadOnlyFilesystem;
    CachedBlock* entry = cached(block);
    if (!entry) {
        entry = TRY(cache_entry_for(block));
        auto read = m_store.read_block(block, m_block_size, entry->data.data());
        if (read.is_error()) {
            entry->block = 0; // nothing valid in it
            return read.release_error();
        }
    }
    if (will_change)
        entry->dirty = true;
    return entry->data.data();
}

ErrorOr<uint32_t> Volume::read_pointer(uint32_t block, uint32_t index) {
    const uint8_t* bytes = TRY(metadata_block(block, false));
    uint32_t value;
    __builtin_memcpy(&value, bytes + size_t(index) * 4, 4);
    return value;
}

ErrorOr<void> Volume::write_pointer(uint32_t block, uint32_t index, uint32_t value) {
    uint8_t* bytes = TRY(metadata_block(block, true));
    __builtin_memcpy(bytes + size_t(index) * 4, &value, 4);
    return {};
}

ErrorOr<void> Volume::read_data_block(uint32_t block, Buffer& buffer) {
    if (!valid_block(block))
        return corrupt("block {} is outside the file system", block);
    if (CachedBlock* entry = cached(block)) {
        __builtin_memcpy(buffer.data(), entry->data.data(), m_block_size);
        return {};
    }
    return m_store.read_block(block, m_block_size, buffer.data());
}

ErrorOr<void> Volume::write_block(uint32_t block, const Buffer& buffer) {
    if (!valid_block(block))
        return corrupt("block {} is outside the file system", block);
    if (m_read_only)
        return Errno::ReadOnlyFilesystem;
    CachedBlock* entry = cached(block);
    if (!entry && block != 0)
        entry = TRY(cache_entry_for(block));
    if (!entry)
        return m_store.write_block(block, m_block_size, buffer.data());
    __builtin_memcpy(entry->data.data(), buffer.data(), m_block_size);
    entry->dirty = true;
    return {};
}

ErrorOr<void> Volume::write_data_block(uint32_t block, const Buffer& buffer) {
    if (!valid_block(block))
        return corrupt("block {} is outside the file system", block);
    if (m_read_only)
        return Errno::ReadOnlyFilesystem;
    TRY(m_store.write_block(block, m_block_size, buffer.data()));
    update_cached(block, buffer.data());
    return {};
}

ErrorOr<void> Volume::zero_block(uint32_t block) {
    Buffer buffer = TRY(new_buffer());
    __builtin_memset(buffer.data(), 0, m_block_size);
    return write_block(block, buffer);
}

// ----- inodes -----

ErrorOr<LoadedInode> Volume::load_inode(InodeNumber number) {
    if (!valid_inode_number(number))
        return corrupt("inode number {} is out of range", number);
    uint32_t group_index = group_of_inode(number);
    uint32_t index = (number - 1) % m_inodes_per_group;
    uint64_t byte = uint64_t(index) * m_inode_size;
    const uint8_t* table =
        TRY(metadata_block(group(group_index).inode_table + uint32_t(byte / m_block_size), false));
    LoadedInode inode;
    inode.number = number;
    __builtin_memcpy(&inode.raw, table + byte % m_block_size, sizeof inode.raw);
    // Linux's rule: a symlink is fast (its text in i_block) when it owns no block but an xattr one.
    uint32_t xattr_sectors = inode.raw.file_acl ? m_block_size / 512 : 0;
    inode.fast_symlink = inode.is_symlink() && inode.raw.blocks == xattr_sectors;
    if (inode.raw.mode == 0 || (inode.raw.links_count == 0 && inode.raw.delete_time != 0))
        return corrupt("inode {} is not in use", number);
    uint16_t type = inode.type();
    if (type != mode_regular && type != mode_directory && type != mode_symlink &&
        type != mode_character_device && type != mode_block_device && type != mode_fifo &&
        type != mode_socket)
        return corrupt("inode {} has a bad mode {:o}", number, inode.raw.mode);
    if (inode.size() > max_file_size() && inode.has_block_map())
        return corrupt("inode {} is too large", number);
    if (inode.is_symlink() && (inode.size() == 0 || inode.size() >= m_block_size ||
                               (inode.fast_symlink && inode.size() >= disk::fast_symlink_max)))
        return corrupt("symlink {} has a bad length {}", number, inode.size());
    return inode;
}

uint32_t Volume::inode_table_block(InodeNumber inode) {
    uint64_t byte = uint64_t((inode - 1) % m_inodes_per_group) * m_inode_size;
    return group(group_of_inode(inode)).inode_table + uint32_t(byte / m_block_size);
}

ErrorOr<void> Volume::store_inode(const LoadedInode& inode) {
    uint64_t byte = uint64_t((inode.number - 1) % m_inodes_per_group) * m_inode_size;
    uint32_t block = inode_table_block(inode.number);
    uint8_t* table = TRY(metadata_block(block, true));
    __builtin_memcpy(table + byte % m_block_size, &inode.raw, sizeof inode.raw);
    return {};
}

ErrorOr<void> Volume::store_new_inode(const LoadedInode& inode) {
    uint32_t index = (inode.number - 1) % m_inodes_per_group;
    uint64_t byte = uint64_t(index) * m_inode_size;
    uint32_t block = group(group_of_inode(inode.number)).inode_table + uint32_t(byte / m_block_size);
    uint8_t* at = TRY(metadata_block(block, true)) + byte % m_block_size;
    __builtin_memset(at, 0, m_inode_size);
    __builtin_memcpy(at, &inode.raw, sizeof inode.raw);
    if (m_inode_size > disk::good_old_inode_size) {
        uint16_t extra =
            disk::extra_inode_size <= m_inode_size - disk::good_old_inode_size ? disk::extra_inode_size : 0;
        __builtin_memcpy(at + disk::good_old_inode_size, &extra, sizeof extra);
    }
    return {};
}

Metadata Volume::metadata_of(const LoadedInode& inode) const {
    Metadata m;
    m.inode = inode.number;
    m.mode = inode.raw.mode;
    m.link_count = inode.raw.links_count;
    m.uid = inode.uid();
    m.gid = inode.gid();
    m.size = inode.size();
    m.blocks = inode.raw.blocks;
    m.access_time = static_cast<int32_t>(inode.raw.access_time);
    m.modify_time = static_cast<int32_t>(inode.raw.modify_time);
    m.change_time = static_cast<int32_t>(inode.raw.change_time);
    m.flags = inode.raw.flags;
    m.generation = inode.raw.generation;
    if (inode.type() == mode_character_device || inode.type() == mode_block_device) {
        // Old encoding in i_block[0] (8-bit major and minor), else the new one in i_block[1].
        uint32_t old_encoding = inode.raw.block[0];
        if (old_encoding) {
            m.device_major = (old_encoding >> 8) & 0xff;
            m.device_minor = old_encoding & 0xff;
        } else {
            uint32_t encoded = inode.raw.block[1];
            m.device_major = (encoded & 0xfff00) >> 8;
            m.device_minor = (encoded & 0xff) | ((encoded >> 12) & 0xfff00);
        }
    }
    return m;
}

// ----- allocation -----

ErrorOr<bool> Volume::try_allocate_in_group(uint32_t group_index, uint32_t start, uint32_t& block) {
    disk::GroupDescriptor& descriptor = group(group_index);
    if (descriptor.free_blocks_count == 0)
        return false;
    const uint8_t* bitmap = TRY(metadata_block(descriptor.block_bitmap, false));
    uint32_t count = blocks_in_group(group_index);
    for (uint32_t n = 0; n < count; ++n) {
        uint32_t bit = (start + n) % count;
        if (bitmap[bit / 8] & (1u << (bit % 8)))
            continue;
        uint32_t candidate = first_block_of_group(group_index) + bit;
        // A hostile bitmap may call the group's own metadata free: refuse rather than overwrite it.
        if (candidate == descriptor.block_bitmap || candidate == descriptor.inode_bitmap ||
            (candidate >= descriptor.inode_table &&
             candidate < descriptor.inode_table + m_inode_table_blocks) ||
            candidate <= m_first_data_block + m_descriptor_blocks)
            return corrupt("group {}: block bitmap marks metadata block {} free", group_index, candidate);
        uint8_t* changed = TRY(metadata_block(descriptor.block_bitmap, true));
        changed[bit / 8] = static_cast<uint8_t>(changed[bit / 8] | (1u << (bit % 8)));
        descriptor.free_blocks_count--;
        mark_group_dirty(group_index);
        if (m_super.free_blocks_count)
            m_super.free_blocks_count--;
        block = candidate;
        return true;
    }
    return corrupt("group {}: free block count {} but the bitmap is full", group_index,
                   descriptor.free_blocks_count);
}

ErrorOr<uint32_t> Volume::allocate_block(uint32_t goal) {
    TRY(check_writable());
    if (!valid_block(goal))
        goal = m_first_data_block;
    uint32_t goal_group = (goal - m_first_data_block) / m_blocks_per_group;
    uint32_t goal_offset = (goal - m_first_data_block) % m_blocks_per_group;
    for (uint32_t n = 0; n < m_group_count; ++n) {
        uint32_t g = (goal_group + n) % m_group_count;
        uint32_t block = 0;
        if (TRY(try_allocate_in_group(g, n == 0 ? goal_offset : 0, block)))
            return block;
    }
    return Errno::NoSpace;
}

ErrorOr<void> Volume::free_block(uint32_t block) {
    if (!valid_block(block))
        return corrupt("freeing block {} outside the file system", block);
    uint32_t g = (block - m_first_data_block) / m_blocks_per_group;
    uint32_t bit = (block - m_first_data_block) % m_blocks_per_group;
    disk::GroupDescriptor& descriptor = group(g);
    uint8_t* bitmap = TRY(metadata_block(descriptor.block_bitmap, false));
    if (!(bitmap[bit / 8] & (1u << (bit % 8))))
        return corrupt("block {} freed twice (shared by two owners?)", block);
    bitmap = TRY(metadata_block(descriptor.block_bitmap, true));
    bitmap[bit / 8] = static_cast<uint8_t>(bitmap[bit / 8] & ~(1u << (bit % 8)));
    if (descriptor.free_blocks_count < blocks_in_group(g))
        descriptor.free_blocks_count++;
    mark_group_dirty(g);
    if (m_super.free_blocks_count < m_blocks_count)
        m_super.free_blocks_count++;
    return {};
}

ErrorOr<InodeNumber> Volume::allocate_inode(InodeNumber parent, bool directory) {
    TRY(check_writable());
    uint32_t parent_group = valid_inode_number(parent) ? group_of_inode(parent) : 0;
    uint32_t chosen = m_group_count;
    if (directory) {
        // Spread directories: the group with fewest directories among those with an average share
        // of free inodes and blocks, so their files have room near them.
        uint32_t average_inodes = m_super.free_inodes_count / m_group_count;
        uint32_t average_blocks = m_super.free_blocks_count / m_group_count;
        for (uint32_t n = 0; n < m_group_count; ++n) {
            uint32_t g = (parent_group + n) % m_group_count;
            const disk::GroupDescriptor& d = group(g);
            if (d.free_inodes_count == 0 || d.free_inodes_count < average_inodes ||
                d.free_blocks_count < average_blocks)
                continue;
            if (chosen == m_group_count || d.used_dirs_count < group(chosen).used_dirs_count)
                chosen = g;
        }
    }
    if (chosen == m_group_count) {
        for (uint32_t n = 0; n < m_group_count; ++n) {
            uint32_t g = (parent_group + n) % m_group_count;
            if (group(g).free_inodes_count) {
                chosen = g;
                break;
            }
        }
    }
    if (chosen == m_group_count)
        return Errno::NoSpace;
    disk::GroupDescriptor& descriptor = group(chosen);
    const uint8_t* bitmap = TRY(metadata_block(descriptor.inode_bitmap, false));
    for (uint32_t bit = 0; bit < m_inodes_per_group; ++bit) {
        if (bitmap[bit / 8] & (1u << (bit % 8)))
            continue;
        InodeNumber number = chosen * m_inodes_per_group + bit + 1;
        if (number < m_first_inode)
            continue; // reserved inodes are never handed out, whatever the bitmap says
        uint8_t* changed = TRY(metadata_block(descriptor.inode_bitmap, true));
        changed[bit / 8] = static_cast<uint8_t>(changed[bit / 8] | (1u << (bit % 8)));
        descriptor.free_inodes_count--;
        if (directory)
            descriptor.used_dirs_count++;
        mark_group_dirty(chosen);
        if (m_super.free_inodes_count)
            m_super.free_inodes_count--;
        return number;
    }
    return corrupt("group {}: free inode count {} but the bitmap is full", chosen,
                   descriptor.free_inodes_count);
}

ErrorOr<void> Volume::free_inode_number(InodeNumber number, bool directory) {
    uint32_t g = group_of_inode(number);
    uint32_t bit = (number - 1) % m_inodes_per_group;
    disk::GroupDescriptor& descriptor = group(g);
    uint8_t* bitmap = TRY(metadata_block(descriptor.inode_bitmap, false));
    if (!(bitmap[bit / 8] & (1u << (bit % 8))))
        return corrupt("inode {} freed twice", number);
    bitmap = TRY(metadata_block(descriptor.inode_bitmap, true));
    bitmap[bit / 8] = static_cast<uint8_t>(bitmap[bit / 8] & ~(1u << (bit % 8)));
    if (descriptor.free_inodes_count < m_inodes_per_group)
        descriptor.free_inodes_count++;
    if (directory && descriptor.used_dirs_count)
        descriptor.used_dirs_count--;
    mark_group_dirty(g);
    if (m_super.free_inodes_count < m_inodes_count)
        m_super.free_inodes_count++;
    return {};
}

void Volume::adjust_used_directories(InodeNumber inode, int delta) {
    uint32_t g = group_of_inode(inode);
    disk::GroupDescriptor& descriptor = group(g);
    if (delta < 0 && descriptor.used_dirs_count)
        descriptor.used_dirs_count--;
    else if (delta > 0)
        descriptor.used_dirs_count++;
    mark_group_dirty(g);
}

} // namespace ext2
