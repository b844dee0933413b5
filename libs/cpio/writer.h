// Writes "newc" cpio archives (magic 070701): the initrd format archive.h reads. Freestanding: the
// bytes go to a ByteSink the caller provides (VectorSink in vector_sink.h on the host), so the kernel
// could build an archive too.
//
// The output is deterministic, so an image built twice from the same tree is byte-identical: uid, gid,
// device numbers and mtime are 0 unless given, inode numbers count 1, 2, 3... in the order entries are
// added, and there is no padding after the trailer (GNU cpio pads to 512 bytes; readers ignore it).
//
// Every name and target the writer accepts is one Archive::parse accepts: a normalised relative path
// ("init", "bin/hello"; no leading "/" or "./", no ".", ".." or empty components) of at most 4095
// bytes. Regular files get nlink 1, so Linux never mistakes two of them for a hard-link group.
#pragma once

#include "ktl/byte_reader.h"
#include "ktl/error_or.h"
#include "ktl/string_view.h"

#include <cstddef>
#include <cstdint>

namespace cpio {

// Where the archive's bytes go. An error from write() is returned by the Writer call that made it, and
// by every later call: the archive is incomplete from then on.
class ByteSink {
public:
    virtual ~ByteSink() = default;
    virtual ktl::ErrorOr<void> write(ktl::ByteReader bytes) = 0;
};

struct EntryMetadata {
    uint32_t permissions = 0; // the 07777 bits; anything above them is EINVAL
    uint32_t mtime = 0;
    uint32_t inode = 0; // 0: the next number in order
    uint32_t uid = 0;
    uint32_t gid = 0;
};

inline constexpr size_t max_entry_name_length = 4095; // PATH_MAX with the NUL
inline constexpr size_t max_symlink_target_length = 4095;

class Writer {
public:
    explicit Writer(ByteSink& sink) : m_sink(sink) {}

    // EINVAL for a bad name or permissions, or after finish(); EFBIG for data of 4 GiB or more;
    // ENAMETOOLONG for a name or target over 4095 bytes; any error of the sink.
    ktl::ErrorOr<void> add_directory(ktl::StringView name, EntryMetadata metadata = {.permissions = 0755});
    ktl::ErrorOr<void> add_file(ktl::StringView name, ktl::ByteReader data,
                                EntryMetadata metadata = {.permissions = 0644});
    ktl::ErrorOr<void> add_symlink(ktl::StringView name, ktl::StringView target,
                                   EntryMetadata metadata = {.permissions = 0777});
    // Writes "TRAILER!!!". Nothing can be added afterwards.
    ktl::ErrorOr<void> finish();

    size_t bytes_written() const { return m_offset; }
    size_t entries_written() const { return m_entries; } // the trailer not included
    bool is_finished() const { return m_finished; }

private:
    ktl::ErrorOr<void> add_entry(ktl::StringView name, uint32_t mode, uint32_t nlink, ktl::ByteReader data,
                                 const EntryMetadata& metadata);
    ktl::ErrorOr<void> write_entry(ktl::StringView name, uint32_t mode, uint32_t nlink, uint32_t inode,
                                   ktl::ByteReader data, const EntryMetadata& metadata);
    ktl::ErrorOr<void> write(ktl::ByteReader bytes);
    ktl::ErrorOr<void> pad();

    ByteSink& m_sink;
    size_t m_offset = 0;
    size_t m_entries = 0;
    uint32_t m_next_inode = 1;
    bool m_finished = false;
    bool m_failed = false;
    ktl::Errno m_failure = ktl::Errno::InvalidArgument;
};

// Whether `name` is a name the Writer accepts (see the top of this file).
bool is_writable_name(ktl::StringView name);

} // namespace cpio
