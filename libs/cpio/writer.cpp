// newc layout (see archive.cpp): "070701", 13 fields of 8 hex digits (upper case, as GNU cpio writes
// them), the name and its NUL padded to a multiple of 4 from the start of the archive, the data padded
// the same way. The checksum field is 0 (it only means something under magic 070702).
#include "cpio/writer.h"

#include "cpio/archive.h"

namespace cpio {

namespace {

constexpr size_t header_size = 110;
constexpr ktl::StringView trailer_name = "TRAILER!!!";
constexpr uint32_t directory_nlink = 2; // "." and the parent's entry, as for an empty directory

void put_hex8(char* out, uint32_t value) {
    constexpr char digits[] = "0123456789ABCDEF";
    for (int i = 7; i >= 0; --i) {
        out[i] = digits[value & 0xf];
        value >>= 4;
    }
}

ktl::ByteReader bytes_of(const char* characters, size_t length) {
    return ktl::ByteReader(reinterpret_cast<const uint8_t*>(characters), length);
}

} // namespace

bool is_writable_name(ktl::StringView name) {
    if (name.is_empty() || name.length() > max_entry_name_length)
        return false;
    if (name.find('\0') != ktl::StringView::npos || name == trailer_name)
        return false;
    // Already normalised ("/x" and "./x" are not), and no component that could escape or alias.
    return normalise_name(name) == name && is_safe_name(name);
}

ktl::ErrorOr<void> Writer::add_directory(ktl::StringView name, EntryMetadata metadata) {
    return add_entry(name, static_cast<uint32_t>(FileType::Directory), directory_nlink, {}, metadata);
}

ktl::ErrorOr<void> Writer::add_file(ktl::StringView name, ktl::ByteReader data, EntryMetadata metadata) {
    if (data.size() > 0xffffffffu)
        return ktl::Errno::FileTooBig; // filesize is a 32-bit field
    return add_entry(name, static_cast<uint32_t>(FileType::Regular), 1, data, metadata);
}

ktl::ErrorOr<void> Writer::add_symlink(ktl::StringView name, ktl::StringView target, EntryMetadata metadata) {
    if (target.length() > max_symlink_target_length)
        return ktl::Errno::NameTooLong;
    if (target.is_empty() || target.find('\0') != ktl::StringView::npos)
        return ktl::Errno::InvalidArgument;
    return add_entry(name, static_cast<uint32_t>(FileType::Symlink), 1,
                     bytes_of(target.data(), target.length()), metadata);
}

ktl::ErrorOr<void> Writer::finish() {
    if (m_failed)
        return m_failure;
    if (m_finished)
        return ktl::Errno::InvalidArgument;
    // As GNU cpio writes it: every field 0 but nlink 1 and the name size.
    TRY(write_entry(trailer_name, 0, 1, 0, {}, {}));
    m_finished = true;
    return {};
}

ktl::ErrorOr<void> Writer::add_entry(ktl::StringView name, uint32_t mode, uint32_t nlink,
                                     ktl::ByteReader data, const EntryMetadata& metadata) {
    if (m_failed)
        return m_failure;
    if (m_finished || (metadata.permissions & ~07777u) != 0)
        return ktl::Errno::InvalidArgument;
    if (name.length() > max_entry_name_length)
        return ktl::Errno::NameTooLong;
    if (!is_writable_name(name))
        return ktl::Errno::InvalidArgument;
    uint32_t inode = metadata.inode;
    if (inode == 0)
        inode = m_next_inode++;
    TRY(write_entry(name, mode | metadata.permissions, nlink, inode, data, metadata));
    ++m_entries;
    return {};
}

ktl::ErrorOr<void> Writer::write_entry(ktl::StringView name, uint32_t mode, uint32_t nlink, uint32_t inode,
                                       ktl::ByteReader data, const EntryMetadata& metadata) {
    const uint32_t fields[] = {
        inode,
        mode,
        metadata.uid,
        metadata.gid,
        nlink,
        metadata.mtime,
        static_cast<uint32_t>(data.size()),
        0, // devmajor
        0, // devminor
        0, // rdevmajor
        0, // rdevminor
        static_cast<uint32_t>(name.length() + 1),
        0, // check
    };
    char header[header_size] = {'0', '7', '0', '7', '0', '1'};
    for (size_t i = 0; i < 13; ++i)
        put_hex8(header + 6 + 8 * i, fields[i]);
    static_assert(6 + 13 * 8 == header_size);

    TRY(write(bytes_of(header, header_size)));
    TRY(write(bytes_of(name.data(), name.length())));
    static constexpr char nul = '\0';
    TRY(write(bytes_of(&nul, 1)));
    TRY(pad());
    if (data.size() != 0)
        TRY(write(data));
    TRY(pad());
    return {};
}

ktl::ErrorOr<void> Writer::write(ktl::ByteReader bytes) {
    auto result = m_sink.write(bytes);
    if (result.is_error()) {
        m_failed = true;
        m_failure = result.error().code();
        return result;
    }
    m_offset += bytes.size();
    return {};
}

ktl::ErrorOr<void> Writer::pad() {
    static constexpr uint8_t zeros[3] = {};
    size_t padding = (4 - m_offset % 4) % 4;
    if (padding == 0)
        return {};
    return write(ktl::ByteReader(zeros, padding));
}

} // namespace cpio
