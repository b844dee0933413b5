// ext2's on-disk structures (all little-endian, as x86-64 is): the superblock, group descriptors,
// inodes, directory entries and the feature bits. Sizes and offsets are pinned by static_asserts.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ext2::disk {

inline constexpr uint64_t superblock_offset = 1024;
inline constexpr uint32_t superblock_size = 1024;
inline constexpr uint16_t state_valid = 1;  // cleanly unmounted
inline constexpr uint16_t state_errors = 2; // errors detected
inline constexpr uint32_t good_old_first_inode = 11;
inline constexpr uint16_t good_old_inode_size = 128;
inline constexpr uint32_t direct_blocks = 12;
inline constexpr uint32_t indirect_slot = 12, double_slot = 13, triple_slot = 14, block_slots = 15;
inline constexpr uint16_t link_max = 32000;         // Linux's EXT2_LINK_MAX
inline constexpr uint32_t fast_symlink_max = 60;    // bytes that fit in i_block
inline constexpr uint32_t xattr_magic = 0xea020000; // an extended attribute block's header

// Features. COMPAT ones need nothing from a reader or writer.
enum : uint32_t {
    incompat_compression = 0x1,
    incompat_filetype = 0x2,
    incompat_recover = 0x4,
    incompat_journal_dev = 0x8,
    incompat_meta_bg = 0x10,
    incompat_extents = 0x40,
    incompat_64bit = 0x80,
    incompat_mmp = 0x100,
    incompat_flex_bg = 0x200,
    incompat_supported = incompat_filetype | incompat_flex_bg,

    ro_compat_sparse_super = 0x1,
    ro_compat_large_file = 0x2,
    ro_compat_supported = ro_compat_sparse_super | ro_compat_large_file,

    compat_dir_index = 0x20,
};

// i_flags.
enum : uint32_t {
    flag_index = 0x1000, // an htree directory
};

struct Superblock {
    uint32_t inodes_count;
    uint32_t blocks_count;
    uint32_t reserved_blocks_count;
    uint32_t free_blocks_count;
    uint32_t free_inodes_count;
    uint32_t first_data_block;
    uint32_t log_block_size;
    uint32_t log_fragment_size;
    uint32_t blocks_per_group;
    uint32_t fragments_per_group;
    uint32_t inodes_per_group;
    uint32_t mount_time;
    uint32_t write_time;
    uint16_t mount_count;
    int16_t max_mount_count;
    uint16_t magic;
    uint16_t state;
    uint16_t errors;
    uint16_t minor_revision;
    uint32_t last_check;
    uint32_t check_interval;
    uint32_t creator_os;
    uint32_t revision;
    uint16_t default_reserved_uid;
    uint16_t default_reserved_gid;
    // Revision 1 ("dynamic") from here.
    uint32_t first_inode;
    uint16_t inode_size;
    uint16_t block_group_number;
    uint32_t feature_compat;
    uint32_t feature_incompat;
    uint32_t feature_ro_compat;
    uint8_t uuid[16];
    char volume_name[16];
    char last_mounted[64];
    uint32_t algorithm_usage_bitmap;
    uint8_t rest[1024 - 204];
};
static_assert(sizeof(Superblock) == 1024);
static_assert(offsetof(Superblock, magic) == 56);
static_assert(offsetof(Superblock, first_inode) == 84);
static_assert(offsetof(Superblock, feature_ro_compat) == 100);

struct GroupDescriptor {
    uint32_t block_bitmap;
    uint32_t inode_bitmap;
    uint32_t inode_table;
    uint16_t free_blocks_count;
    uint16_t free_inodes_count;
    uint16_t used_dirs_count;
    uint16_t flags;
    uint8_t reserved[12];
};
static_assert(sizeof(GroupDescriptor) == 32);

// The first 128 bytes of every inode (revision 0's whole inode); Linux's osd2 fields included.
struct Inode {
    uint16_t mode;
    uint16_t uid;
    uint32_t size;
    uint32_t access_time;
    uint32_t change_time;
    uint32_t modify_time;
    uint32_t delete_time;
    uint16_t gid;
    uint16_t links_count;
    uint32_t blocks; // 512-byte units
    uint32_t flags;
    uint32_t osd1;
    uint32_t block[block_slots];
    uint32_t generation;
    uint32_t file_acl;  // extended attribute block
    uint32_t size_high; // regular files (i_dir_acl for others)
    uint32_t fragment_address;
    uint8_t fragment_number;
    uint8_t fragment_size;
    uint16_t padding;
    uint16_t uid_high;
    uint16_t gid_high;
    uint32_t reserved;
};
static_assert(sizeof(Inode) == 128);
static_assert(offsetof(Inode, block) == 40);
static_assert(offsetof(Inode, size_high) == 108);
static_assert(offsetof(Inode, uid_high) == 120);
// Inodes larger than 128 bytes start their extra space with its size (i_extra_isize).
inline constexpr uint16_t extra_inode_size = 32;

// A directory entry's fixed part; the name follows. Without the filetype feature name_length is 16
// bits wide and file_type its high byte.
struct DirectoryEntryHeader {
    uint32_t inode;
    uint16_t record_length;
    uint8_t name_length;
    uint8_t file_type;
};
static_assert(sizeof(DirectoryEntryHeader) == 8);

// EXT2_FT_* in directory entries.
enum : uint8_t {
    file_type_unknown = 0,
    file_type_regular = 1,
    file_type_directory = 2,
    file_type_character_device = 3,
    file_type_block_device = 4,
    file_type_fifo = 5,
    file_type_socket = 6,
    file_type_symlink = 7,
};

// The space an entry with a name of `length` bytes needs.
constexpr uint32_t entry_size(uint32_t name_length) {
    return (8 + name_length + 3) & ~3u;
}

} // namespace ext2::disk
