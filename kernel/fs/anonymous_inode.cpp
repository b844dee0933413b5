#include "fs/anonymous_inode.h"

#include "sync/mutex.h"

namespace fs {

namespace {

class AnonymousInode final : public Inode {
public:
    explicit AnonymousInode(FileSystem& file_system) : Inode(file_system, 1) {
        m_time = current_time();
        set_access(0600, 0, 0);
    }
    InodeMetadata metadata() override {
        InodeMetadata metadata;
        metadata.device = file_system().device();
        metadata.inode = number();
        metadata.mode = 0600;
        metadata.link_count = 1;
        metadata.block_size = 4096;
        metadata.access_time = metadata.modify_time = metadata.change_time = m_time;
        return metadata;
    }
    ktl::ErrorOr<void> set_attributes(const AttributeChange&) override { return ktl::Errno::NotPermitted; }

private:
    Timestamp m_time;
};

class AnonymousFileSystem final : public FileSystem {
public:
    ktl::ErrorOr<void> initialize() {
        m_inode = TRY(ktl::try_make_ref_counted<AnonymousInode>(*this));
        return {};
    }
    RefPtr<Inode> root() override { return RefPtr<Inode>(m_inode.ptr()); }
    ktl::StringView type_name() const override { return "anon_inodefs"; }

private:
    RefPtr<AnonymousInode> m_inode; // never let go: the inode lives as long as the kernel
};

sync::Mutex creation_lock;
AnonymousFileSystem* the_file_system; // under creation_lock until set, then read only

} // namespace

ktl::ErrorOr<RefPtr<Inode>> anonymous_inode() {
    AnonymousFileSystem* file_system = __atomic_load_n(&the_file_system, __ATOMIC_ACQUIRE);
    if (!file_system) {
        sync::MutexLocker locker(creation_lock);
        file_system = the_file_system;
        if (!file_system) {
            auto made = TRY(ktl::try_make_ref_counted<AnonymousFileSystem>());
            TRY(made->initialize());
            file_system = made.leak_ref();
            __atomic_store_n(&the_file_system, file_system, __ATOMIC_RELEASE);
        }
    }
    return file_system->root();
}

} // namespace fs
