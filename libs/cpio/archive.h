// A read-only, in-place reader for "newc" cpio archives (magic 070701, and 070702 with a checksum):
// the initrd the kernel receives as a Multiboot2 module. Entries are views into the archive bytes,
// nothing is copied. The bytes are hostile input: every field is checked before use.
//
// Two levels:
//  - Cursor walks the archive entry by entry and reports *structural* problems as errors; it only
//    flags names that are unsafe (".." or empty components), so tools can list a bad archive.
//  - Archive::parse walks the whole archive once through a Cursor and rejects it if anything is
//    wrong, unsafe names and a missing trailer included. After that, iteration and find() cannot
//    fail. The kernel uses this level: it never acts on a partly hostile initrd.
//
// Policies (the reasons are at the top of archive.cpp):
//  - A missing "TRAILER!!!" is an error (Problem::MissingTrailer); bytes after the trailer are
//    ignored (GNU cpio pads to 512 bytes). Concatenated archives are not supported.
//  - Duplicate names: find() returns the LAST entry with that name, as the Linux initramfs
//    extraction overwrites earlier ones.
//  - Hard links: newc writes every name of a link group (nlink > 1, same inode and device) as its
//    own entry; GNU cpio puts the data on the last one and writes the others with size 0.
//    hard_link_content() finds the last member, whose data the whole group shares (Linux
//    semantics: each member truncates and rewrites the shared file, so the last one wins).
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace cpio {

// The S_IFMT bits of the mode, with the values of Linux's <sys/stat.h>.
enum class FileType : uint32_t {
    Fifo = 0010000,
    CharDevice = 0020000,
    Directory = 0040000,
    BlockDevice = 0060000,
    Regular = 0100000,
    Symlink = 0120000,
    Socket = 0140000,
};

// Why a Cursor stopped; for a log line. Every problem maps to EINVAL except ChecksumMismatch (EIO).
enum class Problem : uint8_t {
    None,
    Truncated,        // a header, name or data runs past the end of the archive
    BadMagic,         // not 070701/070702 (old 070707 and binary cpio are not supported)
    BadHexField,      // a header field is not exactly 8 hex digits
    BadNameSize,      // namesize 0 or larger than the 4096 bytes of PATH_MAX
    BadName,          // name not NUL-terminated at namesize, or with a NUL inside
    BadPadding,       // a padding byte that is not zero
    BadFileType,      // S_IFMT not one of FileType
    UnexpectedData,   // a directory, device, fifo or socket with filesize != 0
    BadSymlinkTarget, // empty, longer than 4095 bytes, or with a NUL inside
    ChecksumMismatch, // 070702 regular file whose data does not sum to the check field
    TooManyEntries,   // more entries than the cap given to the Cursor
    MissingTrailer,   // the archive ends at an entry boundary without "TRAILER!!!"
    UnsafeName,       // only from Archive::parse: a name with ".", ".." or empty components
};
const char* problem_name(Problem problem);

struct Entry {
    // Normalised: leading "/" and "./" removed; the root ("." or "/") becomes the empty name.
    ktl::StringView name;
    ktl::StringView raw_name; // as stored, without the trailing NUL
    // False when the normalised name has a "..", "." or empty component (or a trailing "/"): such
    // a name could reach outside the root or alias another path.
    bool has_safe_name = false;

    uint32_t mode = 0; // type and permission bits, as st_mode
    uint32_t inode = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint32_t nlink = 0;
    uint32_t mtime = 0;                    // seconds since the epoch
    uint32_t devmajor = 0, devminor = 0;   // the device the file was on (hard-link identity)
    uint32_t rdevmajor = 0, rdevminor = 0; // the device a char/block special file is
    uint32_t check = 0;                    // the checksum field (0 in 070701 archives)
    ktl::ByteReader data;                  // filesize bytes, in place
    size_t offset = 0;                     // of the header, from the start of the archive

    FileType type() const { return static_cast<FileType>(mode & 0170000); }
    uint32_t permissions() const { return mode & 07777; } // including setuid, setgid, sticky
    bool is_regular() const { return type() == FileType::Regular; }
    bool is_directory() const { return type() == FileType::Directory; }
    bool is_symlink() const { return type() == FileType::Symlink; }
    bool is_char_device() const { return type() == FileType::CharDevice; }
    bool is_block_device() const { return type() == FileType::BlockDevice; }
    bool is_fifo() const { return type() == FileType::Fifo; }
    bool is_socket() const { return type() == FileType::Socket; }
    bool is_root() const { return name.is_empty(); }
    // A regular file that shares its inode with other entries (see hard_link_content).
    bool is_hard_link() const { return is_regular() && nlink > 1; }
    size_t size() const { return data.size(); }
    // The target of a symlink (its data); empty for other types.
    ktl::StringView symlink_target() const {
        if (!is_symlink())
            return {};
        return {reinterpret_cast<const char*>(data.data()), data.size()};
    }
};

// Strips leading "/" and "./" and maps "." to the root (""); does not touch the rest.
ktl::StringView normalise_name(ktl::StringView name);
// True for the root ("") and for names made of non-empty components other than "." and "..".
bool is_safe_name(ktl::StringView normalised_name);

inline constexpr size_t default_max_entries = 1'000'000;

class Cursor {
public:
    explicit Cursor(ktl::ByteReader archive, size_t max_entries = default_max_entries)
        : m_archive(archive), m_max_entries(max_entries) {}

    // The next entry in archive order. NoEntry once the trailer has been read. Any other error
    // leaves the cursor at the bad entry, and every later call returns the same error; problem()
    // and offset() say why and where.
    ktl::ErrorOr<Entry> next();

    Problem problem() const { return m_problem; }
    size_t offset() const { return m_offset; }
    size_t entries_read() const { return m_entries_read; }
    bool reached_trailer() const { return m_reached_trailer; }

private:
    ktl::Error fail(Problem problem);

    ktl::ByteReader m_archive;
    size_t m_max_entries;
    size_t m_offset = 0;
    size_t m_entries_read = 0;
    Problem m_problem = Problem::None;
    bool m_reached_trailer = false;
};

class Archive {
public:
    // Walks and checks the whole archive. On error, `problem` (if given) says why.
    // Walks and checks the whole archive. On error, `problem` (if given) says why.
    static ktl::ErrorOr<Archive> parse(ktl::ByteReader bytes, size_t max_entries = default_max_entries,
                                       Problem* problem = nullptr);

    size_t entry_count() const { return m_entry_count; } // the trailer not included
    ktl::ByteReader bytes() const { return m_bytes; }

    // The last entry whose normalised name equals normalise_name(path) minus a trailing "/":
    // "/bin/sh", "bin/sh" and "./bin/sh" find the same entry; "", "/" and "." find the root.
    ktl::ErrorOr<Entry> find(ktl::StringView path) const;

    // The entry holding the content of `entry`: itself, unless it is a hard link, then the last
    // regular entry with the same inode, devmajor and devminor.
    Entry hard_link_content(const Entry& entry) const;

    class Iterator {
    public:
        const Entry& operator*() const { return m_entry; }
        const Entry* operator->() const { return &m_entry; }
        Iterator& operator++() {
            advance();
            return *this;
        }
        bool operator==(const Iterator& other) const { return m_done == other.m_done; }

    private:
        friend class Archive;
        Iterator() = default;
        Iterator(ktl::ByteReader bytes, size_t max_entries) : m_cursor(bytes, max_entries), m_done(false) {
            advance();
        }
        void advance();

        Cursor m_cursor{ktl::ByteReader()};
        Entry m_entry;
        bool m_done = true;
    };
    Iterator begin() const { return Iterator(m_bytes, m_max_entries); }
    Iterator end() const { return Iterator(); }

    template <typename Callback>
    void for_each(Callback callback) const {
        for (const Entry& entry : *this)
            callback(entry);
    }

private:
    ktl::ByteReader m_bytes;
    size_t m_max_entries = default_max_entries;
    size_t m_entry_count = 0;
};

} // namespace cpio
