#include "fs/dentry.h"

#include "mm/reclaim.h"
#include "sync/mutex.h"

#include <new>

namespace fs {

namespace {

sync::Mutex cache_lock;
// Cached dentries, most recently used first.
ktl::IntrusiveList<Dentry, InLeastRecentlyUsed> least_recently_used;
size_t live_dentries = 0;

} // namespace

void dentry_cache_mark_deleted(Dentry& dentry) {
    __atomic_store_n(&dentry.m_deleted, true, __ATOMIC_RELEASE);
}

struct DentryCache {
    // Under cache_lock.
    static Dentry* cached_child(Dentry& parent, ktl::StringView name) {
        Dentry** child = parent.m_children.get(name);
        return child ? *child : nullptr;
    }
    static void touch(Dentry& dentry) {
        if (dentry.m_cached && least_recently_used.first() != &dentry) {
            least_recently_used.remove(dentry);
            least_recently_used.push_front(dentry);
        }
    }
    // Takes `dentry` out of the cache: its name leaves the parent's table and the cache's reference
    // goes (returned, so the caller drops it after unlocking).
    static RefPtr<Dentry> uncache(Dentry& dentry) {
        if (!dentry.m_cached)
            return {};
        if (dentry.m_parent)
            dentry.m_parent->m_children.remove(dentry.m_name.view());
        least_recently_used.remove(dentry);
        dentry.m_cached = false;
        return ktl::adopt_ref(dentry);
    }
    static Dentry* parent_of(Dentry& dentry) { return dentry.m_parent.ptr(); }
    static bool is_unused(Dentry& dentry) {
        return dentry.ref_count() == 1 && dentry.m_children.is_empty() && !dentry.is_mount_point();
    }
    // Gives a moved dentry its new name and parent and caches it there again; returns the old
    // parent's reference, for the caller to drop after unlocking.
    static RefPtr<Dentry> reattach(Dentry& moving, Dentry& new_parent, ktl::String name,
                                   RefPtr<Dentry> cache_reference) {
        moving.m_name = static_cast<ktl::String&&>(name);
        RefPtr<Dentry> old_parent = static_cast<RefPtr<Dentry>&&>(moving.m_parent);
        moving.m_parent = RefPtr<Dentry>(new_parent);
        if (new_parent.m_children.try_set(moving.m_name.view(), &moving).is_error())
            return old_parent; // stays out of the cache; the next lookup makes a new dentry
        moving.m_cached = true;
        least_recently_used.push_front(moving);
        (void)cache_reference.leak_ref(); // the cache's reference again
        return old_parent;
    }
    // A dentry for a name the cache does not keep: held only by the caller, freed with its last
    // holder. Its name and parent never change, so it needs no lock.
    static ktl::ErrorOr<RefPtr<Dentry>> make_uncached(Dentry& parent, ktl::StringView name,
                                                      RefPtr<Inode> inode) {
        auto text = TRY(ktl::String::try_create(name));
        auto* child = new (std::nothrow) Dentry(RefPtr<Dentry>(parent), static_cast<RefPtr<Inode>&&>(inode));
        if (!child)
            return ktl::Errno::NoMemory;
        child->m_name = static_cast<ktl::String&&>(text);
        return ktl::adopt_ref(*child);
    }
    static ktl::ErrorOr<RefPtr<Dentry>> insert(Dentry& parent, ktl::StringView name, RefPtr<Inode> inode) {
        if (Dentry* existing = cached_child(parent, name)) {
            touch(*existing);
            return RefPtr<Dentry>(existing);
        }
        auto* child = new (std::nothrow) Dentry(RefPtr<Dentry>(parent), static_cast<RefPtr<Inode>&&>(inode));
        if (!child)
            return ktl::Errno::NoMemory;
        RefPtr<Dentry> owned = ktl::adopt_ref(*child); // becomes the cache's reference below
        auto text = ktl::String::try_create(name);
        if (text.is_error())
            return text.error();
        child->m_name = text.release_value();
        TRY(parent.m_children.try_set(child->m_name.view(), child));
        child->m_cached = true;
        least_recently_used.push_front(*child);
        RefPtr<Dentry> result(child);
        (void)owned.leak_ref(); // the cache keeps the creation reference
        return result;
    }
};

Dentry::Dentry(RefPtr<Dentry> parent, RefPtr<Inode> inode)
    : m_parent(static_cast<RefPtr<Dentry>&&>(parent)), m_inode(static_cast<RefPtr<Inode>&&>(inode)) {
    __atomic_add_fetch(&live_dentries, 1, __ATOMIC_RELAXED);
}

Dentry::~Dentry() {
    __atomic_sub_fetch(&live_dentries, 1, __ATOMIC_RELAXED);
}

ktl::ErrorOr<RefPtr<Dentry>> Dentry::create_root(RefPtr<Inode> inode) {
    auto* root = new (std::nothrow) Dentry(RefPtr<Dentry>(), static_cast<RefPtr<Inode>&&>(inode));
    if (!root)
        return ktl::Errno::NoMemory;
    return ktl::adopt_ref(*root);
}

RefPtr<Dentry> Dentry::parent_ref() const {
    sync::MutexLocker locker(cache_lock);
    return m_parent;
}

ktl::ErrorOr<ktl::String> Dentry::name() const {
    sync::MutexLocker locker(cache_lock);
    return m_name.try_clone();
}

namespace dentry_cache {

ktl::ErrorOr<RefPtr<Dentry>> lookup(Dentry& parent, ktl::StringView name) {
    {
        sync::MutexLocker locker(cache_lock);
        if (Dentry* cached = DentryCache::cached_child(parent, name)) {
            DentryCache::touch(*cached);
            return RefPtr<Dentry>(cached);
        }
        if (parent.is_deleted())
            return ktl::Errno::NoEntry;
    }
    if (!parent.inode().file_system().caches_names()) {
        RefPtr<Inode> inode = TRY(parent.inode().lookup(name));
        return DentryCache::make_uncached(parent, name, static_cast<RefPtr<Inode>&&>(inode));
    }
    // A miss asks the file system with the cache lock held, so the answer is cached before any
    // unlink or rename that follows it updates the cache: an unlink that comes between the file
    // system's answer and the insert waits for the lock and then removes what was inserted. (The
    // file system may sleep here; nothing takes the cache lock while holding a file system's.)
    sync::MutexLocker locker(cache_lock);
    if (Dentry* cached = DentryCache::cached_child(parent, name)) {
        DentryCache::touch(*cached);
        return RefPtr<Dentry>(cached);
    }
    RefPtr<Inode> inode = TRY(parent.inode().lookup(name));
    return DentryCache::insert(parent, name, static_cast<RefPtr<Inode>&&>(inode));
}

ktl::ErrorOr<RefPtr<Dentry>> add(Dentry& parent, ktl::StringView name, RefPtr<Inode> inode) {
    if (!parent.inode().file_system().caches_names())
        return DentryCache::make_uncached(parent, name, static_cast<RefPtr<Inode>&&>(inode));
    sync::MutexLocker locker(cache_lock);
    // The name may have gone (or changed) between its creation and now: cache it only if the file
    // system still says so; otherwise the caller gets a dentry of its own that the cache never lists.
    auto current = parent.inode().lookup(name);
    if (current.is_error() || current.value().ptr() != inode.ptr()) {
        Dentry* cached = DentryCache::cached_child(parent, name);
        if (cached && &cached->inode() == inode.ptr())
            return RefPtr<Dentry>(cached);
        return DentryCache::make_uncached(parent, name, static_cast<RefPtr<Inode>&&>(inode));
    }
    return DentryCache::insert(parent, name, static_cast<RefPtr<Inode>&&>(inode));
}

void remove(Dentry& parent, ktl::StringView name) {
    RefPtr<Dentry> dropped;
    {
        sync::MutexLocker locker(cache_lock);
        Dentry* child = DentryCache::cached_child(parent, name);
        if (!child)
            return;
        dentry_cache_mark_deleted(*child);
        dropped = DentryCache::uncache(*child);
    }
}

ktl::ErrorOr<void> exchange(Dentry& first_parent, ktl::StringView first_name, Dentry& second_parent,
                            ktl::StringView second_name) {
    // Both texts first: nothing can fail once the tree changes.
    ktl::String first_text = TRY(ktl::String::try_create(second_name));
    ktl::String second_text = TRY(ktl::String::try_create(first_name));
    RefPtr<Dentry> first_reference, second_reference, first_old_parent, second_old_parent;
    sync::MutexLocker locker(cache_lock);
    Dentry* first = DentryCache::cached_child(first_parent, first_name);
    Dentry* second = DentryCache::cached_child(second_parent, second_name);
    if (first)
        first_reference = DentryCache::uncache(*first);
    if (second)
        second_reference = DentryCache::uncache(*second);
    // Each takes the other's place; one that was not cached is simply found afresh later.
    if (first)
        first_old_parent =
            DentryCache::reattach(*first, second_parent, static_cast<ktl::String&&>(first_text),
                                  static_cast<RefPtr<Dentry>&&>(first_reference));
    if (second)
        second_old_parent =
            DentryCache::reattach(*second, first_parent, static_cast<ktl::String&&>(second_text),
                                  static_cast<RefPtr<Dentry>&&>(second_reference));
    return {};
}

void prune_below(Dentry& root) {
    // Bottom-up in passes: a dentry goes once nothing is cached below it; each pass frees a batch
    // outside the lock (a dentry's destructor drops its parent).
    for (;;) {
        RefPtr<Dentry> batch[32];
        size_t batched = 0;
        {
            sync::MutexLocker locker(cache_lock);
            for (Dentry& candidate : least_recently_used) {
                if (batched == 32)
                    break;
                if (!DentryCache::is_unused(candidate))
                    continue;
                bool below = false;
                for (Dentry* at = DentryCache::parent_of(candidate); at && !below;
                     at = DentryCache::parent_of(*at))
                    below = at == &root;
                if (below)
                    batch[batched++] = DentryCache::uncache(candidate);
            }
        }
        if (batched == 0)
            return;
        for (size_t i = 0; i < batched; ++i)
            batch[i].clear();
    }
}

void forget(Dentry& parent, ktl::StringView name) {
    RefPtr<Dentry> dropped;
    sync::MutexLocker locker(cache_lock);
    if (Dentry* child = DentryCache::cached_child(parent, name))
        dropped = DentryCache::uncache(*child);
}

ktl::ErrorOr<void> move(Dentry& old_parent, ktl::StringView old_name, Dentry& new_parent,
                        ktl::StringView new_name) {
    auto text = TRY(ktl::String::try_create(new_name));
    RefPtr<Dentry> replaced_reference;
    RefPtr<Dentry> moved_reference;
    RefPtr<Dentry> old_parent_reference;
    sync::MutexLocker locker(cache_lock);
    Dentry* moving = DentryCache::cached_child(old_parent, old_name);
    if (Dentry* replaced = DentryCache::cached_child(new_parent, new_name)) {
        // A lookup between the file system's rename and this may have cached the new name
        // already, for the very inode that moved: that one is not deleted.
        if (!moving || &replaced->inode() != &moving->inode())
            dentry_cache_mark_deleted(*replaced);
        replaced_reference = DentryCache::uncache(*replaced);
    }
    if (!moving)
        return {}; // not cached: the next lookup finds it under its new name
    moved_reference = DentryCache::uncache(*moving);
    old_parent_reference = DentryCache::reattach(*moving, new_parent, static_cast<ktl::String&&>(text),
                                                 static_cast<RefPtr<Dentry>&&>(moved_reference));
    return {};
}

size_t shrink(size_t count) {
    if (!cache_lock.try_lock())
        return 0;
    // Freed after unlocking: a dentry's destructor drops its parent, which may be the cache's last
    // reference on nothing else, but never takes the lock.
    size_t freed = 0;
    Dentry* candidate = least_recently_used.last();
    RefPtr<Dentry> batch[32];
    size_t batched = 0;
    while (candidate && freed < count && batched < 32) {
        Dentry* previous = ktl::IntrusiveList<Dentry, InLeastRecentlyUsed>::previous(*candidate);
        // Unused: only the cache holds it, nothing is cached below it and nothing is mounted on it.
        if (DentryCache::is_unused(*candidate)) {
            batch[batched++] = DentryCache::uncache(*candidate);
            ++freed;
        }
        candidate = previous;
    }
    cache_lock.unlock();
    for (size_t i = 0; i < batched; ++i)
        batch[i].clear();
    return freed;
}

namespace {

class DentryShrinker final : public mm::Shrinker {
public:
    size_t shrink(size_t count) override {
        size_t freed = 0;
        // shrink() frees a batch at a time; a few rounds reach `count` or the end of unused ones.
        while (freed < count) {
            size_t round = dentry_cache::shrink(count - freed);
            if (round == 0)
                break;
            freed += round;
        }
        return freed;
    }
};

constinit DentryShrinker shrinker;

} // namespace

void register_shrinker() {
    mm::register_shrinker(shrinker);
}

size_t dentry_count() {
    return __atomic_load_n(&live_dentries, __ATOMIC_RELAXED);
}

size_t cached_count() {
    sync::MutexLocker locker(cache_lock);
    return least_recently_used.size();
}

} // namespace dentry_cache

} // namespace fs
