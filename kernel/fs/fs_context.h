// A process's place in the file system (Linux's fs_struct): its root (chroot), its working
// directory and its umask. Shared between processes by clone(CLONE_FS), copied otherwise.
#pragma once

#include "fs/mount.h"
#include "sync/spinlock.h"

namespace fs {

class FsContext : public ktl::RefCounted<FsContext> {
public:
    FsContext(Path root, Path cwd) : m_root(static_cast<Path&&>(root)), m_cwd(static_cast<Path&&>(cwd)) {}

    Path root() {
        sync::SpinlockGuard guard(m_lock);
        return m_root;
    }
    Path cwd() {
        sync::SpinlockGuard guard(m_lock);
        return m_cwd;
    }
    void set_root(Path root) {
        {
            sync::SpinlockGuard guard(m_lock);
            swap(m_root, root);
        }
        // The old one goes here, outside the lock: dropping the last reference may free a mount.
    }
    void set_cwd(Path cwd) {
        sync::SpinlockGuard guard(m_lock);
        swap(m_cwd, cwd);
    }
    uint32_t umask() const { return __atomic_load_n(&m_umask, __ATOMIC_RELAXED); }
    uint32_t exchange_umask(uint32_t mask) {
        return __atomic_exchange_n(&m_umask, mask & 0777, __ATOMIC_RELAXED);
    }

    ktl::ErrorOr<RefPtr<FsContext>> clone() {
        auto copy = TRY(ktl::try_make_ref_counted<FsContext>(root(), cwd()));
        copy->m_umask = umask();
        return copy;
    }

private:
    static void swap(Path& a, Path& b) {
        Path held = static_cast<Path&&>(a);
        a = static_cast<Path&&>(b);
        b = static_cast<Path&&>(held);
    }
    sync::Spinlock m_lock;
    Path m_root;
    Path m_cwd;
    uint32_t m_umask = 022;
};

} // namespace fs
