#include "fs/inode.h"

#include "fs/file_locks.h"
#include "fs/open_file.h"
#include "time/rtc.h"

namespace fs {

namespace {

// Anonymous device numbers for file systems without a device (major 0), as Linux's get_anon_bdev.
uint32_t next_anonymous_minor = 0;

} // namespace

FileType file_type_of(uint32_t mode) {
    switch (mode & mode_type_mask) {
    case mode_fifo:
        return FileType::Fifo;
    case mode_character_device:
        return FileType::CharacterDevice;
    case mode_directory:
        return FileType::Directory;
    case mode_block_device:
        return FileType::BlockDevice;
    case mode_regular:
        return FileType::Regular;
    case mode_symlink:
        return FileType::Symlink;
    case mode_socket:
        return FileType::Socket;
    default:
        return FileType::Unknown;
    }
}

Timestamp current_time() {
    uint64_t ns = time::realtime_ns();
    return {static_cast<int64_t>(ns / 1'000'000'000), static_cast<int64_t>(ns % 1'000'000'000)};
}

FileSystem::FileSystem()
    : m_device(make_device(0, __atomic_add_fetch(&next_anonymous_minor, 1, __ATOMIC_RELAXED))) {}

FileSystem::FileSystem(uint64_t device) : m_device(device) {}

ktl::ErrorOr<void> FileSystem::statistics(FileSystemStatistics& statistics) {
    statistics = {};
    return {};
}

void FileSystem::describe_options(ktl::FormatSink& sink) const {
    sink.write("rw");
}

Inode::Inode(FileSystem& file_system, uint64_t number) : m_file_system(file_system), m_number(number) {}

// No description refers to the inode any more, so no lock is held and nobody waits.
Inode::~Inode() {
    delete m_file_locks;
}

ktl::ErrorOr<size_t> Inode::read_at(uint64_t, IoBuffer, size_t) {
    return metadata().is_directory() ? ktl::Errno::IsDirectory : ktl::Errno::InvalidArgument;
}

ktl::ErrorOr<size_t> Inode::write_at(uint64_t, IoBuffer, size_t) {
    return metadata().is_directory() ? ktl::Errno::IsDirectory : ktl::Errno::InvalidArgument;
}

ktl::ErrorOr<size_t> Inode::append(IoBuffer buffer, size_t length, uint64_t& end) {
    uint64_t offset = metadata().size;
    size_t written = TRY(write_at(offset, buffer, length));
    end = offset + written;
    return written;
}

ktl::ErrorOr<void> Inode::truncate(uint64_t) {
    return metadata().is_directory() ? ktl::Errno::IsDirectory : ktl::Errno::InvalidArgument;
}

ktl::ErrorOr<void> Inode::allocate(uint64_t, uint64_t) {
    return ktl::Errno::NotSupported;
}

ktl::ErrorOr<void> Inode::exchange(ktl::StringView, Inode&, ktl::StringView) {
    return ktl::Errno::InvalidArgument;
}

ktl::ErrorOr<RefPtr<Inode>> Inode::lookup(ktl::StringView) {
    return ktl::Errno::NotDirectory;
}

ktl::ErrorOr<RefPtr<Inode>> Inode::create(ktl::StringView, const NewInode&) {
    return metadata().is_directory() ? ktl::Errno::NotPermitted : ktl::Errno::NotDirectory;
}

ktl::ErrorOr<RefPtr<Inode>> Inode::create_symlink(ktl::StringView, ktl::StringView, const NewInode&) {
    return metadata().is_directory() ? ktl::Errno::NotPermitted : ktl::Errno::NotDirectory;
}

ktl::ErrorOr<void> Inode::link(ktl::StringView, Inode&) {
    return metadata().is_directory() ? ktl::Errno::NotPermitted : ktl::Errno::NotDirectory;
}

ktl::ErrorOr<void> Inode::unlink(ktl::StringView, bool) {
    return metadata().is_directory() ? ktl::Errno::NotPermitted : ktl::Errno::NotDirectory;
}

ktl::ErrorOr<void> Inode::rename(ktl::StringView, Inode&, ktl::StringView) {
    return metadata().is_directory() ? ktl::Errno::NotPermitted : ktl::Errno::NotDirectory;
}

ktl::ErrorOr<void> Inode::read_directory(uint64_t, ktl::FunctionRef<bool(const DirectoryEntry&)>) {
    return ktl::Errno::NotDirectory;
}

ktl::ErrorOr<ktl::String> Inode::link_target() {
    return ktl::Errno::InvalidArgument;
}

ktl::ErrorOr<RefPtr<mm::MappedObject>> Inode::create_mapping() {
    return ktl::Errno::NoDevice;
}

ktl::ErrorOr<void> Inode::sync(bool) {
    return file_system().sync();
}

ktl::ErrorOr<bool> Inode::link_destination(Path&) {
    return false;
}

ktl::ErrorOr<RefPtr<OpenFile>> Inode::open_special(uint32_t) {
    return RefPtr<OpenFile>();
}

} // namespace fs
