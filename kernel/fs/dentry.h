// The dentry cache: names the VFS has looked up, as a tree of Dentry objects (Linux's dcache). A
// dentry ties a name in a directory to its inode; a path walk goes from dentry to dentry and only
// asks the file system for names it has not seen. Working directories, open files and mount points
// hold their dentries, so a path can be printed back (getcwd, /proc/self/fd) and a rename moves
// the name every holder sees.
//
// Ownership: a dentry holds its parent. The cache holds one reference on every dentry it lists;
// one nobody else holds is unused and goes, least recently used first, when memory runs short
// (shrink) — the seed's cache never evicted. An unlinked dentry leaves the cache at once and lives
// on, marked deleted, while something still holds it.
//
// Locking: one cache lock (a mutex) guards the tree's links, names and the LRU list; file systems
// are called without it.
#pragma once

#include "fs/inode.h"
#include "ktl/hash_map.h"
#include "ktl/intrusive_list.h"
#include "ktl/string.h"

namespace fs {

struct InLeastRecentlyUsed {};

class Dentry : public ktl::RefCounted<Dentry>, public ktl::IntrusiveListNode<InLeastRecentlyUsed> {
public:
    // The root of a file system instance: not cached, held by its mounts.
    static ktl::ErrorOr<RefPtr<Dentry>> create_root(RefPtr<Inode> inode);
    ~Dentry();

    Inode& inode() const { return *m_inode; }
    RefPtr<Inode> inode_ref() const { return m_inode; }
    // The parent, or null for a file system's root. Changes on rename: read under the cache lock
    // (parent_ref()) unless the caller holds the cache lock.
    RefPtr<Dentry> parent_ref() const;
    bool is_deleted() const { return __atomic_load_n(&m_deleted, __ATOMIC_ACQUIRE); }
    bool is_mount_point() const { return __atomic_load_n(&m_mount_count, __ATOMIC_ACQUIRE) > 0; }
    void add_mount() { __atomic_add_fetch(&m_mount_count, 1, __ATOMIC_ACQ_REL); }
    void remove_mount() { __atomic_sub_fetch(&m_mount_count, 1, __ATOMIC_ACQ_REL); }
    // The name, copied under the cache lock (it changes on rename).
    ktl::ErrorOr<ktl::String> name() const;

private:
    friend struct DentryCache;
    friend void dentry_cache_mark_deleted(Dentry&);
    Dentry(RefPtr<Dentry> parent, RefPtr<Inode> inode);

    ktl::String m_name;
    RefPtr<Dentry> m_parent;
    RefPtr<Inode> m_inode;
    // Children in the cache, by name; the views point into each child's m_name.
    ktl::HashMap<ktl::StringView, Dentry*> m_children;
    uint32_t m_mount_count = 0;
    bool m_deleted = false;
    bool m_cached = false;
};

namespace dentry_cache {

// The child `name` of `parent`: from the cache, or looked up in the file system and cached.
// NoEntry if there is none; NotDirectory if `parent` is not a directory.
ktl::ErrorOr<RefPtr<Dentry>> lookup(Dentry& parent, ktl::StringView name);
// Caches a child the file system has just made (create, mkdir, symlink, link).
ktl::ErrorOr<RefPtr<Dentry>> add(Dentry& parent, ktl::StringView name, RefPtr<Inode> inode);
// The name is gone from the file system: drop it from the cache and mark its dentry deleted.
void remove(Dentry& parent, ktl::StringView name);
// The file system has moved `old_name` in `old_parent` to `new_name` in `new_parent`: the dentry
// follows (its holders see the new path); whatever the new name replaced is marked deleted.
ktl::ErrorOr<void> move(Dentry& old_parent, ktl::StringView old_name, Dentry& new_parent,
                        ktl::StringView new_name);
// The names swapped what they refer to (RENAME_EXCHANGE): the two dentries swap names and parents,
// so their holders (a working directory inside) see the new paths.
ktl::ErrorOr<void> exchange(Dentry& first_parent, ktl::StringView first_name, Dentry& second_parent,
                            ktl::StringView second_name);
// Drops every cached name below `root` that nobody holds (an unmounted file system's): its dentries
// hold `root`, which holds the file system's root inode, so they would keep it all alive.
void prune_below(Dentry& root);
// Drops a name from the cache, undeleted: the next lookup finds it afresh.
void forget(Dentry& parent, ktl::StringView name);
// Frees up to `count` unused dentries, least recently used first; returns how many went. Gives up
// at once if the cache is busy (it may be called from an allocation made under the cache lock).
size_t shrink(size_t count);
// Lets the reclaim task shrink the cache when memory runs short (mm/reclaim.h).
void register_shrinker();
// Dentries alive (cached or held), for leak checks.
size_t dentry_count();
size_t cached_count();

} // namespace dentry_cache

} // namespace fs
