#include "fs/sysfs/sysfs.h"

#include "fs/generated_file.h"
#include "fs/vfs.h"
#include "ktl/path_components.h"
#include "ktl/vector.h"
#include "sched/scheduler.h"
#include "sync/mutex.h"

namespace fs::sysfs {

namespace {

// One lock for the shape of the whole tree: names, parents, removal. Callbacks run outside it.
sync::Mutex tree_lock;
uint64_t next_number = 2; // under tree_lock; 1 is the root's
Node* the_root;

Node* child_named(Node& directory, ktl::StringView name) {
    for (NodeRef& child : directory.m_children) {
        if (child->name() == name)
            return child.ptr();
    }
    return nullptr;
}

} // namespace

// Holds a node active (its callbacks may run) for the scope, or fails if it has been removed.
class Activation {
public:
    explicit Activation(Node& node) : m_node(node) {
        sync::MutexLocker locker(tree_lock);
        m_active = !node.m_removed;
        if (m_active)
            ++node.m_active;
    }
    ~Activation() {
        if (!m_active)
            return;
        sync::MutexLocker locker(tree_lock);
        --m_node.m_active;
    }
    bool active() const { return m_active; }

private:
    Node& m_node;
    bool m_active;
};

ktl::ErrorOr<NodeRef> create_node(Node& parent, NodeType type, ktl::StringView name,
                                  const AttributeInfo* info, Node* target) {
    if (name.is_empty() || name.length() > name_max || name == "." || name == ".." ||
        name.find('/') != ktl::StringView::npos)
        return ktl::Errno::InvalidArgument;
    auto node = TRY(ktl::try_make_ref_counted<Node>(type, TRY(ktl::String::try_create(name))));
    node->m_created = current_time();
    if (info) {
        node->m_attribute = *info;
        node->m_attribute.name = node->name();
    }
    if (target)
        node->m_target = NodeRef(*target);
    sync::MutexLocker locker(tree_lock);
    if (parent.m_removed || parent.m_type != NodeType::Directory)
        return ktl::Errno::NoEntry;
    if (child_named(parent, name))
        return ktl::Errno::Exists;
    TRY(parent.m_children.try_append(node));
    node->m_parent = &parent;
    node->m_number = next_number++;
    return node;
}

Node& root() {
    return *the_root;
}

ktl::ErrorOr<NodeRef> create_directory(Node& parent, ktl::StringView name) {
    return create_node(parent, NodeType::Directory, name, nullptr, nullptr);
}

ktl::ErrorOr<NodeRef> create_attribute(Node& parent, const AttributeInfo& info) {
    if (!info.show && !info.store)
        return ktl::Errno::InvalidArgument;
    AttributeInfo checked = info;
    checked.mode &= 0777;
    if (!info.store)
        checked.mode &= ~0222u;
    if (!info.show)
        checked.mode &= ~0444u;
    return create_node(parent, NodeType::Attribute, info.name, &checked, nullptr);
}

ktl::ErrorOr<NodeRef> create_symlink(Node& parent, ktl::StringView name, Node& target) {
    return create_node(parent, NodeType::Symlink, name, nullptr, &target);
}

NodeRef find(Node& from, ktl::StringView path) {
    sync::MutexLocker locker(tree_lock);
    Node* node = &from;
    ktl::PathComponents components(path);
    ktl::StringView component;
    bool is_last = false;
    while (components.next(component, is_last)) {
        if (node->m_removed || node->m_type != NodeType::Directory)
            return {};
        node = child_named(*node, component);
        if (!node)
            return {};
    }
    if (node->m_removed)
        return {};
    return NodeRef(*node);
}

ktl::ErrorOr<NodeRef> ensure_directory(ktl::StringView path) {
    NodeRef directory(root());
    ktl::PathComponents components(path);
    ktl::StringView component;
    bool is_last = false;
    while (components.next(component, is_last)) {
        NodeRef next = find(*directory, component);
        if (!next) {
            auto made = create_directory(*directory, component);
            if (made.is_error() && made.error().code() == ktl::Errno::Exists)
                next = find(*directory, component); // made meanwhile by someone else
            else
                next = TRY(static_cast<ktl::ErrorOr<NodeRef>&&>(made));
        }
        if (!next || next->type() != NodeType::Directory)
            return ktl::Errno::NotDirectory;
        directory = static_cast<NodeRef&&>(next);
    }
    return directory;
}

namespace {

// Under tree_lock. Nothing of the subtree is reachable by name after this and no new callback starts.
void mark_removed(Node& node) {
    node.m_removed = true;
    node.m_parent = nullptr;
    for (NodeRef& child : node.m_children)
        mark_removed(*child);
}

// Under tree_lock.
bool any_active(const Node& node) {
    if (node.m_active)
        return true;
    for (const NodeRef& child : node.m_children) {
        if (any_active(*child))
            return true;
    }
    return false;
}

} // namespace

// Recursion is bounded by the tree's depth, which the kernel's own layout fixes (a dozen levels).
void remove(Node& node) {
    NodeRef keep(node);
    ktl::Vector<NodeRef> detached;
    {
        sync::MutexLocker locker(tree_lock);
        if (node.m_removed)
            return;
        if (Node* parent = node.m_parent) {
            for (size_t i = 0; i < parent->m_children.size(); ++i) {
                if (parent->m_children[i].ptr() == &node) {
                    parent->m_children.remove(i);
                    break;
                }
            }
        }
        mark_removed(node);
    }
    for (;;) {
        {
            sync::MutexLocker locker(tree_lock);
            if (!any_active(node)) {
                detached = static_cast<ktl::Vector<NodeRef>&&>(node.m_children);
                break;
            }
        }
        sched::sleep_for(1'000'000);
    }
    // `detached` and `keep` drop the subtree here, outside the lock; inodes still open keep theirs.
}

ktl::ErrorOr<ktl::String> path_of(Node& node) {
    // Names never change, so the text can be built under the lock from the nodes themselves.
    sync::MutexLocker locker(tree_lock);
    if (node.m_removed)
        return ktl::Errno::NoEntry;
    ktl::Vector<const Node*> chain;
    for (const Node* walk = &node; walk && walk != the_root; walk = walk->m_parent)
        TRY(chain.try_append(walk));
    ktl::StringBuilder text;
    for (size_t i = chain.size(); i-- > 0;) {
        TRY(text.try_append(chain[i]->name()));
        if (i != 0)
            TRY(text.try_append('/'));
    }
    return text.try_build();
}

namespace {

// Under tree_lock: the names from below the root down to `node`, top first.
ktl::ErrorOr<void> chain_of(const Node& node, ktl::Vector<const Node*>& chain) {
    ktl::Vector<const Node*> reversed;
    for (const Node* walk = &node; walk && walk != the_root; walk = walk->m_parent)
        TRY(reversed.try_append(walk));
    for (size_t i = reversed.size(); i-- > 0;)
        TRY(chain.try_append(reversed[i]));
    return {};
}

} // namespace

class SysfsInode final : public Inode {
public:
    SysfsInode(FileSystem& file_system, NodeRef node)
        : Inode(file_system, node->m_number), m_node(static_cast<NodeRef&&>(node)) {
        InodeMetadata data = metadata();
        set_access(data.mode, 0, 0);
    }

    InodeMetadata metadata() override {
        InodeMetadata data;
        data.device = file_system().device();
        data.inode = number();
        data.link_count = 1;
        switch (m_node->type()) {
        case NodeType::Directory:
            data.mode = mode_directory | 0755;
            data.link_count = 2;
            data.size = 0;
            break;
        case NodeType::Attribute:
            data.mode = mode_regular | m_node->m_attribute.mode;
            data.size = m_node->m_attribute.size;
            break;
        case NodeType::Symlink:
            data.mode = mode_symlink | 0777;
            break;
        }
        data.access_time = data.modify_time = data.change_time = data.birth_time = m_node->m_created;
        return data;
    }

    ktl::ErrorOr<void> set_attributes(const AttributeChange&) override { return ktl::Errno::NotPermitted; }

    ktl::ErrorOr<RefPtr<Inode>> lookup(ktl::StringView name) override {
        NodeRef child;
        {
            sync::MutexLocker locker(tree_lock);
            if (m_node->m_removed)
                return ktl::Errno::NoEntry;
            if (Node* found = child_named(*m_node, name))
                child = NodeRef(*found);
        }
        if (!child)
            return ktl::Errno::NoEntry;
        auto inode = TRY(ktl::try_make_ref_counted<SysfsInode>(file_system(), static_cast<NodeRef&&>(child)));
        return RefPtr<Inode>(inode.ptr());
    }

    ktl::ErrorOr<void> read_directory(uint64_t cookie,
                                      ktl::FunctionRef<bool(const DirectoryEntry&)> emit) override {
        if (cookie == 0 && !emit({".", number(), directory_entry_type(mode_directory), 1}))
            return {};
        if (cookie <= 1 && !emit({"..", number(), directory_entry_type(mode_directory), 2}))
            return {};
        // A snapshot, so `emit` (which copies to user memory) runs without the lock.
        ktl::Vector<NodeRef> children;
        {
            sync::MutexLocker locker(tree_lock);
            if (m_node->m_removed)
                return ktl::Errno::NoEntry;
            for (size_t i = cookie < 2 ? 0 : cookie - 2; i < m_node->m_children.size(); ++i)
                TRY(children.try_append(m_node->m_children[i]));
        }
        uint64_t next = cookie < 2 ? 2 : cookie;
        for (NodeRef& child : children) {
            uint32_t mode = child->type() == NodeType::Directory ? mode_directory
                            : child->type() == NodeType::Symlink ? mode_symlink
                                                                 : mode_regular;
            if (!emit({child->name(), child->m_number, directory_entry_type(mode), ++next}))
                break;
        }
        return {};
    }

    // The relative path from this link's directory to its target, as Linux's sysfs shows links.
    ktl::ErrorOr<ktl::String> link_target() override {
        if (m_node->type() != NodeType::Symlink)
            return ktl::Errno::InvalidArgument;
        sync::MutexLocker locker(tree_lock);
        Node* target = m_node->m_target.ptr();
        if (m_node->m_removed || target->m_removed || !m_node->m_parent)
            return ktl::Errno::NoEntry;
        ktl::Vector<const Node*> from;
        ktl::Vector<const Node*> to;
        TRY(chain_of(*m_node->m_parent, from));
        TRY(chain_of(*target, to));
        size_t common = 0;
        while (common < from.size() && common < to.size() && from[common] == to[common])
            ++common;
        ktl::StringBuilder text;
        for (size_t i = common; i < from.size(); ++i)
            TRY(text.try_append("../"));
        for (size_t i = common; i < to.size(); ++i) {
            TRY(text.try_append(to[i]->name()));
            if (i + 1 != to.size())
                TRY(text.try_append('/'));
        }
        if (text.view().is_empty())
            TRY(text.try_append('.'));
        return text.try_build();
    }

    ktl::ErrorOr<RefPtr<OpenFile>> open_special(uint32_t flags) override;

    Node& node() { return *m_node; }

private:
    NodeRef m_node;
};

// An open attribute: reads come from the text `show` made at open; each write goes to `store`.
class SysfsFile final : public GeneratedFile {
public:
    SysfsFile(RefPtr<Inode> inode, uint32_t flags, ktl::String content, NodeRef node)
        : GeneratedFile(static_cast<RefPtr<Inode>&&>(inode), flags, static_cast<ktl::String&&>(content),
                        "sysfs"),
          m_node(static_cast<NodeRef&&>(node)) {}

    ktl::ErrorOr<size_t> write(IoBuffer buffer, size_t length) override { return store(buffer, length); }
    ktl::ErrorOr<size_t> write_at(uint64_t, IoBuffer buffer, size_t length) override {
        return store(buffer, length);
    }

private:
    // As Linux: one write is one store, of at most a page (the rest is ignored but counted).
    ktl::ErrorOr<size_t> store(IoBuffer buffer, size_t length) {
        if (!can_write())
            return ktl::Errno::BadFileDescriptor;
        size_t taken = length < 4096 ? length : 4095;
        char text[4096];
        TRY(buffer.read(text, taken));
        Activation activation(*m_node);
        if (!activation.active())
            return ktl::Errno::NoDevice;
        TRY(m_node->m_attribute.store(m_node->m_attribute.object, ktl::StringView(text, taken)));
        return length;
    }

    NodeRef m_node;
};

ktl::ErrorOr<RefPtr<OpenFile>> SysfsInode::open_special(uint32_t flags) {
    if (m_node->type() != NodeType::Attribute)
        return RefPtr<OpenFile>();
    const AttributeInfo& attribute = m_node->m_attribute;
    bool wants_read = (flags & open_access_mode) != open_write_only;
    bool wants_write = (flags & open_access_mode) != open_read_only;
    // Root passes the permission bits; an attribute without the callback still cannot do it.
    if ((wants_read && !attribute.show) || (wants_write && !attribute.store))
        return ktl::Errno::AccessDenied;
    ktl::StringBuilder text;
    if (wants_read) {
        Activation activation(*m_node);
        if (!activation.active())
            return ktl::Errno::NoEntry;
        TRY(attribute.show(attribute.object, text));
    }
    ktl::String content = TRY(text.try_build());
    auto file = TRY(ktl::try_make_ref_counted<SysfsFile>(RefPtr<Inode>(*this), flags,
                                                         static_cast<ktl::String&&>(content), m_node));
    return RefPtr<OpenFile>(file.ptr());
}

namespace {

class SysfsFileSystem final : public FileSystem {
public:
    ktl::ErrorOr<void> initialize() {
        auto root = TRY(ktl::try_make_ref_counted<SysfsInode>(*this, NodeRef(*the_root)));
        m_root = RefPtr<Inode>(root.ptr());
        return {};
    }
    RefPtr<Inode> root() override { return m_root; }
    ktl::StringView type_name() const override { return "sysfs"; }
    ktl::ErrorOr<void> statistics(FileSystemStatistics& statistics) override {
        statistics = {};
        statistics.type = magic;
        statistics.block_size = 4096;
        return {};
    }
    void describe_options(ktl::FormatSink& sink) const override { sink.write("rw"); }
    void detached() override { m_root = nullptr; }
    // Devices and modules come and go: every walk asks the tree.
    bool caches_names() const override { return false; }

private:
    RefPtr<Inode> m_root;
};

ktl::ErrorOr<RefPtr<FileSystem>> create(ktl::StringView, uint64_t, ktl::StringView) {
    auto file_system = TRY(ktl::try_make_ref_counted<SysfsFileSystem>());
    TRY(file_system->initialize());
    return RefPtr<FileSystem>(file_system.ptr());
}

} // namespace

void initialize() {
    auto root_node = ktl::try_make_ref_counted<Node>(NodeType::Directory, MUST(ktl::String::try_create("")));
    the_root = MUST(static_cast<decltype(root_node)&&>(root_node)).leak_ref();
    the_root->m_number = 1;
    the_root->m_created = current_time();
    // The top-level directories Linux always has, so tools find them even when empty.
    for (ktl::StringView directory : {"block", "bus", "class", "dev/block", "dev/char", "devices", "firmware",
                                      "fs", "kernel", "module", "power"})
        MUST(ensure_directory(directory));
}

void register_type() {
    MUST(register_file_system("sysfs", create, false));
}

} // namespace fs::sysfs
