// sysfs: /sys, the kernel's objects (buses, devices, drivers, classes, modules) as a tree of
// directories, attribute files and symbolic links in Linux's layout, so tools written for Linux
// (lspci, busybox's mdev, udev-style scripts) read it unchanged. Mounted as type "sysfs".
//
// The tree lives in the kernel whether or not /sys is mounted: subsystems add and remove nodes as
// their objects come and go, and every mount shows the one tree. An attribute's text is made by its
// `show` function when the file is opened (one reader, one snapshot); a write hands the written text
// to `store`. Removing a node waits for the show/store calls running on it, so the object behind
// an attribute may be freed as soon as remove() returns.
#pragma once

#include "fs/inode.h"
#include "ktl/error_or.h"
#include "ktl/string.h"
#include "ktl/string_builder.h"
#include "ktl/string_view.h"
#include "ktl/vector.h"

#include <cstdint>

namespace fs::sysfs {

inline constexpr uint64_t magic = 0x62656572; // SYSFS_MAGIC, statfs's f_type

// Attribute callbacks get the `object` given at creation. `show` appends the file's content (text,
// or bytes for a binary attribute); `store` gets what one write(2) wrote.
using Show = ktl::ErrorOr<void> (*)(void* object, ktl::StringBuilder& out);
using Store = ktl::ErrorOr<void> (*)(void* object, ktl::StringView text);

struct AttributeInfo {
    ktl::StringView name;
    uint32_t mode = 0444; // permission bits; write bits need a `store`
    Show show = nullptr;
    Store store = nullptr;
    void* object = nullptr;
    // What stat reports: Linux says 4096 for text attributes and the real size for binary ones.
    uint64_t size = 4096;
};

class Node;
using NodeRef = ktl::RefPtr<Node>;

enum class NodeType : uint8_t { Directory, Attribute, Symlink };

// A directory, attribute or link of the tree. Its insides belong to sysfs.cpp.
class Node : public ktl::RefCounted<Node> {
public:
    Node(NodeType type, ktl::String name) : m_type(type), m_name(static_cast<ktl::String&&>(name)) {}

    NodeType type() const { return m_type; }
    ktl::StringView name() const { return m_name.view(); }

    // The rest is sysfs.cpp's own (kept here so NodeRef works where Node is only held).
    NodeType m_type;
    ktl::String m_name;
    uint64_t m_number = 0;
    Timestamp m_created;
    // The rest is guarded by the tree lock.
    Node* m_parent = nullptr; // null for the root and once removed
    bool m_removed = false;
    ktl::Vector<NodeRef> m_children;
    AttributeInfo m_attribute;
    NodeRef m_target; // symlinks
    // show/store calls running now; remove() waits for them.
    uint32_t m_active = 0;
};

// The root of the tree (/sys itself).
Node& root();

// Each returns Exists when `parent` already has `name`, NotFound when `parent` has been removed.
ktl::ErrorOr<NodeRef> create_directory(Node& parent, ktl::StringView name);
ktl::ErrorOr<NodeRef> create_attribute(Node& parent, const AttributeInfo& info);
// A link shown as the relative path from `parent` to `target`, as Linux's sysfs links are.
ktl::ErrorOr<NodeRef> create_symlink(Node& parent, ktl::StringView name, Node& target);

// The directory `path` (relative to /sys, "bus/pci/drivers"), made with any missing parents.
ktl::ErrorOr<NodeRef> ensure_directory(ktl::StringView path);
// The node at `path` relative to `from`, or null.
NodeRef find(Node& from, ktl::StringView path);

// Removes `node` and everything below it. Returns once no show or store runs on any of them; opens
// already done keep their text, later lookups find nothing.
void remove(Node& node);

// The node's absolute path below /sys ("devices/pci0000:00/0000:00:01.0"), for logs and tests.
ktl::ErrorOr<ktl::String> path_of(Node& node);

// Makes the tree with Linux's top-level directories; before any subsystem adds to it.
void initialize();
// Registers the "sysfs" file system type (after the VFS is up).
void register_type();

} // namespace fs::sysfs
