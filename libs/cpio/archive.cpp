// newc layout (cpio(5), and the Linux kernel's Documentation/driver-api/early-userspace/buffer-format):
// a 110-byte header of "070701" or "070702" and 13 fields of 8 ASCII hex digits, then namesize bytes
// of name including its NUL, zero padding to a multiple of 4, filesize bytes of data, zero padding to
// a multiple of 4. Offsets are counted from the start of the archive. The last entry is "TRAILER!!!".
//
// Why the policies in archive.h:
//  - Sizes are 32-bit fields but all arithmetic is in size_t (64-bit) and every range goes through
//    ByteReader::contains, so filesize 0xffffffff cannot wrap an offset.
//  - Strict where no real writer differs (non-zero padding, data on a directory, unknown types): a
//    corrupt initrd is better refused at boot than half-used.
//  - Names are limited to PATH_MAX (4096 with the NUL), as the Linux kernel does.
//  - 070702 checksums cover regular files only: GNU cpio and Linux ignore the field elsewhere.
#include "cpio/archive.h"

namespace cpio {

namespace {

constexpr size_t header_size = 110;
constexpr size_t field_count = 13;
constexpr size_t max_name_size = 4096; // PATH_MAX, the NUL included
constexpr size_t max_symlink_size = 4095;
constexpr ktl::StringView trailer_name = "TRAILER!!!";

enum Field : size_t {
    field_inode,
    field_mode,
    field_uid,
    field_gid,
    field_nlink,
    field_mtime,
    field_filesize,
    field_devmajor,
    field_devminor,
    field_rdevmajor,
    field_rdevminor,
    field_namesize,
    field_check,
};

constexpr size_t align4(size_t offset) {
    return (offset + 3) & ~static_cast<size_t>(3);
}

// Exactly 8 hex digits of either case; "0x", signs and spaces are not hex digits.
bool parse_hex_field(const uint8_t* digits, uint32_t& value) {
    value = 0;
    for (size_t i = 0; i < 8; ++i) {
        uint8_t c = digits[i];
        uint32_t nibble;
        if (c >= '0' && c <= '9')
            nibble = c - '0';
        else if (c >= 'a' && c <= 'f')
            nibble = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            nibble = c - 'A' + 10;
        else
            return false;
        value = (value << 4) | nibble;
    }
    return true;
}

bool is_known_type(uint32_t mode) {
    switch (static_cast<FileType>(mode & 0170000)) {
    case FileType::Fifo:
    case FileType::CharDevice:
    case FileType::Directory:
    case FileType::BlockDevice:
    case FileType::Regular:
    case FileType::Symlink:
    case FileType::Socket:
        return true;
    }
    return false;
}

bool all_zero(ktl::ByteReader bytes, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i)
        if (bytes.data()[i] != 0)
            return false;
    return true;
}

ktl::StringView strip_trailing_slashes(ktl::StringView name) {
    while (name.ends_with("/"))
        name = name.substring(0, name.length() - 1);
    return name;
}

} // namespace

const char* problem_name(Problem problem) {
    switch (problem) {
    case Problem::None:
        return "none";
    case Problem::Truncated:
        return "truncated";
    case Problem::BadMagic:
        return "bad magic";
    case Problem::BadHexField:
        return "bad hex field";
    case Problem::BadNameSize:
        return "bad name size";
    case Problem::BadName:
        return "bad name";
    case Problem::BadPadding:
        return "bad padding";
    case Problem::BadFileType:
        return "bad file type";
    case Problem::UnexpectedData:
        return "unexpected data";
    case Problem::BadSymlinkTarget:
        return "bad symlink target";
    case Problem::ChecksumMismatch:
        return "checksum mismatch";
    case Problem::TooManyEntries:
        return "too many entries";
    case Problem::MissingTrailer:
        return "missing trailer";
    case Problem::UnsafeName:
        return "unsafe name";
    }
    return "?";
}

ktl::StringView normalise_name(ktl::StringView name) {
    for (;;) {
        if (name.starts_with("/"))
            name = name.substring(1);
        else if (name.starts_with("./"))
            name = name.substring(2);
        else
            break;
    }
    if (name == ".")
        return name.substring(1);
    return name;
}

bool is_safe_name(ktl::StringView name) {
    if (name.is_empty())
        return true;
    size_t start = 0;
    for (;;) {
        size_t slash = name.find('/', start);
        ktl::StringView component =
            name.substring(start, slash == ktl::StringView::npos ? ktl::StringView::npos : slash - start);
        if (component.is_empty() || component == "." || component == "..")
            return false;
        if (slash == ktl::StringView::npos)
            return true;
        start = slash + 1;
    }
}

ktl::Error Cursor::fail(Problem problem) {
    m_problem = problem;
    return ktl::Error::from_errno(problem == Problem::ChecksumMismatch ? ktl::Errno::IoError
                                                                       : ktl::Errno::InvalidArgument);
}

ktl::ErrorOr<Entry> Cursor::next() {
    if (m_problem != Problem::None)
        return fail(m_problem);
    if (m_reached_trailer)
        return ktl::Errno::NoEntry;
    if (m_offset == m_archive.size())
        return fail(Problem::MissingTrailer);
    if (!m_archive.contains(m_offset, header_size))
        return fail(Problem::Truncated);

    const uint8_t* header = m_archive.data() + m_offset;
    static constexpr char magic_prefix[] = "07070";
    for (size_t i = 0; i < 5; ++i)
        if (header[i] != static_cast<uint8_t>(magic_prefix[i]))
            return fail(Problem::BadMagic);
    if (header[5] != '1' && header[5] != '2')
        return fail(Problem::BadMagic);
    bool has_checksum = header[5] == '2';

    uint32_t fields[field_count];
    for (size_t i = 0; i < field_count; ++i)
        if (!parse_hex_field(header + 6 + 8 * i, fields[i]))
            return fail(Problem::BadHexField);

    size_t name_size = fields[field_namesize];
    if (name_size == 0 || name_size > max_name_size)
        return fail(Problem::BadNameSize);
    size_t name_offset = m_offset + header_size;
    if (!m_archive.contains(name_offset, name_size))
        return fail(Problem::Truncated);
    const char* name = reinterpret_cast<const char*>(m_archive.data() + name_offset);
    for (size_t i = 0; i + 1 < name_size; ++i)
        if (name[i] == '\0')
            return fail(Problem::BadName); // a NUL inside would hide the rest of the name
    if (name[name_size - 1] != '\0')
        return fail(Problem::BadName);
    ktl::StringView raw_name(name, name_size - 1);

    // The trailer's size, padding and other fields carry nothing; what follows it is ignored.
    if (raw_name == trailer_name) {
        m_reached_trailer = true;
        m_offset = name_offset + name_size;
        return ktl::Errno::NoEntry;
    }
    if (m_entries_read >= m_max_entries)
        return fail(Problem::TooManyEntries);

    size_t data_offset = align4(name_offset + name_size);
    if (data_offset > m_archive.size())
        return fail(Problem::Truncated);
    if (!all_zero(m_archive, name_offset + name_size, data_offset))
        return fail(Problem::BadPadding);

    Entry entry;
    entry.offset = m_offset;
    entry.raw_name = raw_name;
    entry.name = normalise_name(raw_name);
    entry.has_safe_name = is_safe_name(entry.name);
    entry.inode = fields[field_inode];
    entry.mode = fields[field_mode];
    entry.uid = fields[field_uid];
    entry.gid = fields[field_gid];
    entry.nlink = fields[field_nlink];
    entry.mtime = fields[field_mtime];
    entry.devmajor = fields[field_devmajor];
    entry.devminor = fields[field_devminor];
    entry.rdevmajor = fields[field_rdevmajor];
    entry.rdevminor = fields[field_rdevminor];
    entry.check = fields[field_check];

    if (!is_known_type(entry.mode))
        return fail(Problem::BadFileType);
    size_t file_size = fields[field_filesize];
    if (file_size != 0 && !entry.is_regular() && !entry.is_symlink())
        return fail(Problem::UnexpectedData);

    auto data = m_archive.slice(data_offset, file_size);
    if (data.is_error())
        return fail(Problem::Truncated);
    entry.data = data.value();
    size_t data_end = data_offset + file_size;
    size_t next_offset = align4(data_end);
    if (next_offset > m_archive.size())
        return fail(Problem::Truncated);
    if (!all_zero(m_archive, data_end, next_offset))
        return fail(Problem::BadPadding);

    if (entry.is_symlink()) {
        ktl::StringView target = entry.symlink_target();
        if (target.is_empty() || target.length() > max_symlink_size ||
            target.find('\0') != ktl::StringView::npos)
            return fail(Problem::BadSymlinkTarget);
    }
    if (has_checksum && entry.is_regular()) {
        uint32_t sum = 0;
        for (size_t i = 0; i < file_size; ++i)
            sum += entry.data.data()[i];
        if (sum != entry.check)
            return fail(Problem::ChecksumMismatch);
    }

    m_offset = next_offset;
    ++m_entries_read;
    return entry;
}

ktl::ErrorOr<Archive> Archive::parse(ktl::ByteReader bytes, size_t max_entries, Problem* problem) {
    Cursor cursor(bytes, max_entries);
    auto report = [&](Problem why, ktl::Error error) {
        if (problem)
            *problem = why;
        return error;
    };
    for (;;) {
        auto entry = cursor.next();
        if (entry.is_error()) {
            if (cursor.reached_trailer())
                break;
            return report(cursor.problem(), entry.error());
        }
        if (!entry.value().has_safe_name)
            return report(Problem::UnsafeName, ktl::Error::from_errno(ktl::Errno::InvalidArgument));
    }
    if (problem)
        *problem = Problem::None;
    Archive archive;
    archive.m_bytes = bytes;
    archive.m_max_entries = max_entries;
    archive.m_entry_count = cursor.entries_read();
    return archive;
}

ktl::ErrorOr<Entry> Archive::find(ktl::StringView path) const {
    ktl::StringView wanted = normalise_name(strip_trailing_slashes(path));
    bool found = false;
    Entry last;
    for (const Entry& entry : *this) {
        if (entry.name == wanted) {
            last = entry;
            found = true;
        }
    }
    if (!found)
        return ktl::Errno::NoEntry;
    return last;
}

Entry Archive::hard_link_content(const Entry& entry) const {
    if (!entry.is_hard_link())
        return entry;
    Entry last = entry;
    for (const Entry& candidate : *this)
        if (candidate.is_hard_link() && candidate.inode == entry.inode &&
            candidate.devmajor == entry.devmajor && candidate.devminor == entry.devminor)
            last = candidate;
    return last;
}

void Archive::Iterator::advance() {
    auto entry = m_cursor.next();
    if (entry.is_error()) {
        m_done = true; // the trailer, since parse() checked the bytes
        return;
    }
    m_entry = entry.release_value();
}

} // namespace cpio
