// ext2::FileSystem: the public face of Volume. Every call that changes the file system ends by
// writing back the superblock and group descriptors it touched, whether it succeeded or not, so
// the counts on disk always match the bitmaps.
#include "ext2/volume.h"

namespace ext2 {

namespace {

template <typename T>
ErrorOr<T> committed(Volume& volume, ErrorOr<T> result) {
    auto commit = volume.commit();
    if (result.is_error() || commit.is_error())
        return result.is_error() ? result.release_error() : commit.release_error();
    return result;
}

ErrorOr<void> committed(Volume& volume, ErrorOr<void> result) {
    auto commit = volume.commit();
    if (result.is_error())
        return result;
    return commit;
}

} // namespace

ErrorOr<ktl::OwnPtr<FileSystem>> FileSystem::mount(BlockStore& store, Clock& clock, MountOptions options,
                                                   Diagnostic& diagnostic) {
    auto volume = ktl::try_make<Volume>(store, clock);
    if (volume.is_error())
        return Errno::NoMemory;
    TRY(volume.value()->mount(options, diagnostic));
    FileSystem* file_system = new (std::nothrow) FileSystem(volume.release_value());
    if (!file_system)
        return Errno::NoMemory;
    return ktl::adopt_own(file_system);
}

FileSystem::FileSystem(ktl::OwnPtr<Volume> volume) : m_volume(std::move(volume)) {}
FileSystem::~FileSystem() = default;

bool FileSystem::is_read_only() const {
    return m_volume->read_only();
}
ktl::StringView FileSystem::read_only_reason() const {
    return m_volume->read_only_reason().text();
}
ktl::StringView FileSystem::diagnostic() const {
    return m_volume->error().text();
}
uint32_t FileSystem::block_size() const {
    return m_volume->block_size();
}
Statistics FileSystem::statistics() const {
    return m_volume->statistics();
}
ErrorOr<void> FileSystem::sync() {
    return m_volume->sync();
}
ErrorOr<void> FileSystem::unmount() {
    return m_volume->unmount();
}

ErrorOr<Metadata> FileSystem::metadata(InodeNumber inode) {
    LoadedInode loaded = TRY(m_volume->load_inode(inode));
    return m_volume->metadata_of(loaded);
}

ErrorOr<uint64_t> FileSystem::data_block(InodeNumber inode, uint64_t index) {
    LoadedInode loaded = TRY(m_volume->load_inode(inode));
    if (!loaded.is_regular())
        return Errno::InvalidArgument;
    return TRY(m_volume->map_block(loaded, index));
}

ErrorOr<void> FileSystem::list_blocks(InodeNumber inode, EmitRun emit) {
    return m_volume->list_blocks(inode, emit);
}

ErrorOr<size_t> FileSystem::read(InodeNumber inode, uint64_t offset, size_t length, ConsumeChunk consume) {
    return m_volume->read(inode, offset, length, consume);
}

ErrorOr<size_t> FileSystem::write(InodeNumber inode, uint64_t offset, size_t length, ProduceChunk produce) {
    return committed(*m_volume, m_volume->write(inode, offset, length, produce));
}

ErrorOr<size_t> FileSystem::read(InodeNumber inode, uint64_t offset, uint8_t* buffer, size_t length) {
    size_t position = 0;
    return read(inode, offset, length, [&](const uint8_t* bytes, size_t count) -> ErrorOr<void> {
        __builtin_memcpy(buffer + position, bytes, count);
        position += count;
        return {};
    });
}

ErrorOr<size_t> FileSystem::write(InodeNumber inode, uint64_t offset, const uint8_t* buffer, size_t length) {
    size_t position = 0;
    return write(inode, offset, length, [&](uint8_t* into, size_t count) -> ErrorOr<void> {
        __builtin_memcpy(into, buffer + position, count);
        position += count;
        return {};
    });
}

ErrorOr<void> FileSystem::truncate(InodeNumber inode, uint64_t size) {
    return committed(*m_volume, m_volume->truncate(inode, size));
}

ErrorOr<void> FileSystem::set_attributes(InodeNumber inode, const AttributeChange& change) {
    return committed(*m_volume, m_volume->set_attributes(inode, change));
}

ErrorOr<InodeNumber> FileSystem::lookup(InodeNumber directory, ktl::StringView name) {
    return m_volume->lookup(directory, name);
}

ErrorOr<void> FileSystem::read_directory(InodeNumber directory, uint64_t cookie,
                                         ktl::FunctionRef<bool(const DirectoryEntry&)> emit) {
    return m_volume->read_directory(directory, cookie, emit);
}

ErrorOr<InodeNumber> FileSystem::create(InodeNumber directory, ktl::StringView name, const NewInode& what) {
    if ((what.mode & mode_type_mask) == mode_symlink)
        return Errno::InvalidArgument; // symlink() carries the target
    return committed(*m_volume, m_volume->create(directory, name, what, {}));
}

ErrorOr<InodeNumber> FileSystem::symlink(InodeNumber directory, ktl::StringView name, ktl::StringView target,
                                         const NewInode& what) {
    NewInode link = what;
    link.mode = static_cast<uint16_t>(mode_symlink | (what.mode & mode_permissions));
    return committed(*m_volume, m_volume->create(directory, name, link, target));
}

ErrorOr<void> FileSystem::link(InodeNumber directory, ktl::StringView name, InodeNumber inode) {
    return committed(*m_volume, m_volume->link(directory, name, inode));
}

ErrorOr<Unlinked> FileSystem::unlink(InodeNumber directory, ktl::StringView name, bool is_directory) {
    return committed(*m_volume, m_volume->unlink(directory, name, is_directory));
}

ErrorOr<Unlinked> FileSystem::rename(InodeNumber old_directory, ktl::StringView old_name,
                                     InodeNumber new_directory, ktl::StringView new_name) {
    return committed(*m_volume, m_volume->rename(old_directory, old_name, new_directory, new_name));
}

ErrorOr<void> FileSystem::allocate(InodeNumber inode, uint64_t offset, uint64_t length) {
    return committed(*m_volume, m_volume->allocate(inode, offset, length));
}

ErrorOr<void> FileSystem::exchange(InodeNumber directory, ktl::StringView name, InodeNumber other_directory,
                                   ktl::StringView other_name) {
    return committed(*m_volume, m_volume->exchange(directory, name, other_directory, other_name));
}

ErrorOr<ktl::String> FileSystem::readlink(InodeNumber inode) {
    return m_volume->readlink(inode);
}

ErrorOr<bool> FileSystem::free_inode_if_unlinked(InodeNumber inode) {
    return committed(*m_volume, m_volume->free_inode_if_unlinked(inode));
}

} // namespace ext2
