// The path walk and tmpfs against a model: thousands of random mkdir, create, unlink, rmdir, rename,
// symlink, link and truncate calls from a fixed seed, each errno compared with what Linux would
// answer, and the whole tree (getdents, stat, file contents, link targets) compared now and then.
// The model is a plain tree of names written from Linux's rules (fs/namei.c's order of checks), so
// a divergence is either a kernel bug or a model bug; the failure names the operation's number.
#include "fs/tmpfs/tmpfs.h"
#include "fs/vfs.h"
#include "ktl/path_components.h"
#include "ktl/vector.h"
#include "test/ktest.h"

namespace {

using ktl::Errno;

// xorshift64*: ktl has no RNG, and the sequence must be the same on every run.
class Random {
public:
    explicit Random(uint64_t seed) : m_state(seed) {}
    uint64_t next() {
        m_state ^= m_state >> 12;
        m_state ^= m_state << 25;
        m_state ^= m_state >> 27;
        return m_state * 0x2545F4914F6CDD1Dull;
    }
    uint32_t below(uint32_t bound) { return static_cast<uint32_t>(next() % bound); }
    bool one_in(uint32_t n) { return below(n) == 0; }

private:
    uint64_t m_state;
};

enum class Kind : uint8_t { Directory, File, Symlink };

struct Entry {
    char name;
    uint32_t node;
};

struct Node {
    Kind kind = Kind::File;
    uint32_t parent = 0; // directories
    uint32_t links = 0;  // files: names; directories: 1 while named
    ktl::Vector<Entry> entries;
    ktl::Vector<uint8_t> content;
    char target[64] = {};
    size_t target_length = 0;
    uint64_t inode_number = 0; // as first seen in the kernel
};

constexpr const char names[] = "abcde";
constexpr int max_hops = 40;

int code_of(Errno code) {
    return static_cast<int>(code);
}
constexpr int ok = 0;
constexpr int eperm = 1, enoent = 2, eexist = 17, enotdir = 20, eisdir = 21, einval = 22, enotempty = 39,
              eloop = 40, ebusy = 16;

const char* errno_text(int code) {
    return code == 0 ? "success" : ktl::errno_name(static_cast<Errno>(code));
}

template <typename T>
int result_code(const ktl::ErrorOr<T>& result) {
    return result.is_error() ? code_of(result.error().code()) : ok;
}

struct Walked {
    int error = ok;
    uint32_t node = 0;
};

struct Parent {
    int error = ok;
    uint32_t node = 0;
    ktl::StringView name;
    bool trailing_slash = false;
    bool name_is_dots() const { return name.is_empty() || name == "." || name == ".."; }
};

class Model {
public:
    bool initialize() {
        Node root;
        root.kind = Kind::Directory;
        root.links = 1;
        return !m_nodes.try_append(static_cast<Node&&>(root)).is_error();
    }

    Node& node(uint32_t index) { return m_nodes[index]; }
    size_t node_count() const { return m_nodes.size(); }

    int child(uint32_t directory, ktl::StringView name) {
        if (name.length() != 1)
            return -1;
        for (const Entry& entry : m_nodes[directory].entries)
            if (entry.name == name[0])
                return static_cast<int>(entry.node);
        return -1;
    }

    // Linux's walk: every component but the last must be a searchable directory; a symlink met on
    // the way (or last, when following, or before a trailing slash) is walked from its directory.
    Walked walk(uint32_t start, ktl::StringView path, bool follow_last, int& hops) {
        if (path.is_empty())
            return {enoent, 0};
        ktl::PathComponents components(path);
        uint32_t at = components.is_absolute() ? 0 : start;
        bool trailing_slash = components.has_trailing_slash();
        ktl::StringView component;
        bool is_last = false;
        while (components.next(component, is_last)) {
            if (m_nodes[at].kind != Kind::Directory)
                return {enotdir, 0};
            if (component == ".")
                continue;
            if (component == "..") {
                at = m_nodes[at].parent;
                continue;
            }
            int found = child(at, component);
            if (found < 0)
                return {enoent, 0};
            Node& next = m_nodes[static_cast<uint32_t>(found)];
            if (next.kind == Kind::Symlink && (!is_last || follow_last || trailing_slash)) {
                if (++hops > max_hops)
                    return {eloop, 0};
                Walked through = walk(at, ktl::StringView(next.target, next.target_length), true, hops);
                if (through.error != ok)
                    return through;
                at = through.node;
                continue;
            }
            at = static_cast<uint32_t>(found);
        }
        if (trailing_slash && m_nodes[at].kind != Kind::Directory)
            return {enotdir, 0};
        return {ok, at};
    }

    Parent parent(uint32_t start, ktl::StringView path, int& hops) {
        Parent result;
        if (path.is_empty()) {
            result.error = enoent;
            return result;
        }
        size_t end = path.length();
        while (end > 0 && path[end - 1] == '/') {
            --end;
            result.trailing_slash = true;
        }
        if (end == 0)
            return result; // the root, no name
        size_t slash = end;
        while (slash > 0 && path[slash - 1] != '/')
            --slash;
        result.name = path.substring(slash, end - slash);
        if (slash == 0) {
            result.node = start;
        } else {
            Walked walked = walk(start, path.substring(0, slash), true, hops);
            result.error = walked.error;
            result.node = walked.node;
            if (walked.error != ok)
                return result;
        }
        if (m_nodes[result.node].kind != Kind::Directory)
            result.error = enotdir;
        return result;
    }

    bool add_entry(uint32_t directory, char name, uint32_t node) {
        return !m_nodes[directory].entries.try_append(Entry{name, node}).is_error();
    }
    void remove_entry(uint32_t directory, char name) {
        auto& entries = m_nodes[directory].entries;
        for (size_t i = 0; i < entries.size(); ++i) {
            if (entries[i].name == name) {
                entries.remove(i);
                return;
            }
        }
    }
    ktl::ErrorOr<uint32_t> new_node(Kind kind) {
        Node node;
        node.kind = kind;
        TRY(m_nodes.try_append(static_cast<Node&&>(node)));
        return static_cast<uint32_t>(m_nodes.size() - 1);
    }
    // Drops a name's hold on `index`: a directory or symlink goes, a file when its last name goes.
    void unname(uint32_t index) {
        Node& node = m_nodes[index];
        if (node.links > 0)
            --node.links;
        if (node.links == 0) {
            node.entries.clear();
            node.content.clear();
        }
    }
    // Whether `ancestor` is `node` or above it.
    bool is_ancestor(uint32_t ancestor, uint32_t node) {
        for (;;) {
            if (node == ancestor)
                return true;
            if (node == 0)
                return false;
            node = m_nodes[node].parent;
        }
    }
    // lock_rename's trap: the child of the upper directory on the way down to the lower one.
    int trap(uint32_t old_directory, uint32_t new_directory) {
        if (old_directory == new_directory)
            return -1;
        uint32_t upper, lower;
        if (is_ancestor(old_directory, new_directory)) {
            upper = old_directory;
            lower = new_directory;
        } else if (is_ancestor(new_directory, old_directory)) {
            upper = new_directory;
            lower = old_directory;
        } else {
            return -1;
        }
        while (m_nodes[lower].parent != upper)
            lower = m_nodes[lower].parent;
        return static_cast<int>(lower);
    }

private:
    ktl::Vector<Node> m_nodes;
};

// A random path of up to four components over the model's names, with "." and "..", a leading
// "/" now and then and a trailing "/" now and then. Symlinks in the middle come from the names.
ktl::StringView random_path(Random& random, char* buffer, size_t size) {
    size_t length = 0;
    if (random.one_in(4))
        buffer[length++] = '/';
    uint32_t components = 1 + random.below(random.one_in(3) ? 4 : 2);
    for (uint32_t i = 0; i < components && length + 4 < size; ++i) {
        if (i > 0)
            buffer[length++] = '/';
        uint32_t pick = random.below(20);
        if (pick == 0) {
            buffer[length++] = '.';
        } else if (pick == 1) {
            buffer[length++] = '.';
            buffer[length++] = '.';
        } else {
            buffer[length++] = names[random.below(sizeof names - 1)];
        }
    }
    if (random.one_in(8))
        buffer[length++] = '/';
    return ktl::StringView(buffer, length);
}

constexpr size_t max_file = 6000;
uint8_t write_buffer[max_file];
uint8_t read_buffer[max_file + 16];
uint8_t directory_buffer[4096];

class ModelTest {
public:
    ModelTest(const fs::Lookup& lookup, Model& model) : m_lookup(lookup), m_model(model) {}

    // One random operation; false once the kernel and the model disagree.
    bool step(Random& random, uint32_t sequence) {
        m_sequence = sequence;
        char first_buffer[32], second_buffer[32];
        ktl::StringView first = random_path(random, first_buffer, sizeof first_buffer);
        ktl::StringView second = random_path(random, second_buffer, sizeof second_buffer);
        uint32_t kind = random.below(100);
        if (kind < 10)
            return mkdir(first);
        if (kind < 30)
            return create(random, first);
        if (kind < 42)
            return unlink(first);
        if (kind < 52)
            return rmdir(first);
        if (kind < 72)
            return rename(random, first, second);
        if (kind < 80)
            return symlink(random, second, first);
        if (kind < 90)
            return link(first, second);
        return truncate(random, first);
    }

    // The whole tree, from getdents, stat and read, against the model.
    bool compare_tree() { return compare_directory(0, ktl::StringView("/", 1)); }

private:
    bool agree(const char* operation, ktl::StringView first, ktl::StringView second, int kernel, int model) {
        if (kernel == model)
            return true;
        ktest::fail(__FILE__, __LINE__, "operation {}: {}('{}', '{}'): kernel says {}, model says {}",
                    m_sequence, operation, first, second, errno_text(kernel), errno_text(model));
        return false;
    }

    bool mkdir(ktl::StringView path) {
        int model = expect_mkdir(path);
        int kernel = result_code(fs::make_directory(m_lookup, path, 0755));
        return agree("mkdir", path, "", kernel, model);
    }
    int expect_mkdir(ktl::StringView path) {
        int hops = 0;
        Parent where = m_model.parent(0, path, hops);
        if (where.error != ok)
            return where.error;
        if (where.name_is_dots() || m_model.child(where.node, where.name) >= 0)
            return eexist;
        uint32_t made = MUST(m_model.new_node(Kind::Directory));
        m_model.node(made).parent = where.node;
        m_model.node(made).links = 1;
        m_model.add_entry(where.node, where.name[0], made);
        return ok;
    }

    bool create(Random& random, ktl::StringView path) {
        size_t length = random.one_in(10) ? random.below(max_file) : random.below(200);
        for (size_t i = 0; i < length; ++i)
            write_buffer[i] = static_cast<uint8_t>(random.next());
        bool exclusive = random.one_in(5);
        int hops = 0;
        int model = expect_create(0, path, length, exclusive, hops);
        int kernel = ok;
        uint32_t flags = fs::open_write_only | fs::open_create | fs::open_truncate;
        auto opened = fs::open(m_lookup, path, flags | (exclusive ? fs::open_exclusive : 0u), 0644);
        if (opened.is_error()) {
            kernel = result_code(opened);
        } else {
            auto written =
                opened.value()->write(fs::IoBuffer::kernel(static_cast<const void*>(write_buffer)), length);
            if (written.is_error() || written.value() != length) {
                ktest::fail(__FILE__, __LINE__, "operation {}: write of {} bytes to '{}' failed", m_sequence,
                            length, path);
                return false;
            }
        }
        return agree(exclusive ? "create(exclusive)" : "create", path, "", kernel, model);
    }
    // open(O_CREAT|O_TRUNC): follows a final symlink and makes its target if missing; with O_EXCL
    // any existing name, a symlink too, is EEXIST.
    int expect_create(uint32_t start, ktl::StringView path, size_t length, bool exclusive, int& hops) {
        Parent where = m_model.parent(start, path, hops);
        if (where.error != ok)
            return where.error;
        if (where.name_is_dots() || where.trailing_slash)
            return eisdir;
        int existing = m_model.child(where.node, where.name);
        if (existing < 0) {
            uint32_t made = MUST(m_model.new_node(Kind::File));
            m_model.node(made).links = 1;
            MUST(m_model.node(made).content.try_resize(length));
            for (size_t i = 0; i < length; ++i)
                m_model.node(made).content[i] = write_buffer[i];
            m_model.add_entry(where.node, where.name[0], made);
            return ok;
        }
        if (exclusive)
            return eexist;
        Node& found = m_model.node(static_cast<uint32_t>(existing));
        if (found.kind == Kind::Symlink) {
            if (++hops > max_hops)
                return eloop;
            char target[64];
            for (size_t i = 0; i < found.target_length; ++i)
                target[i] = found.target[i];
            return expect_create(where.node, ktl::StringView(target, found.target_length), length, false,
                                 hops);
        }
        if (found.kind == Kind::Directory)
            return eisdir;
        MUST(found.content.try_resize(length));
        for (size_t i = 0; i < length; ++i)
            found.content[i] = write_buffer[i];
        return ok;
    }

    bool unlink(ktl::StringView path) {
        int model = expect_remove(path, false);
        int kernel = result_code(fs::remove(m_lookup, path, false));
        return agree("unlink", path, "", kernel, model);
    }
    bool rmdir(ktl::StringView path) {
        int model = expect_remove(path, true);
        int kernel = result_code(fs::remove(m_lookup, path, true));
        return agree("rmdir", path, "", kernel, model);
    }
    int expect_remove(ktl::StringView path, bool directory) {
        int hops = 0;
        Parent where = m_model.parent(0, path, hops);
        if (where.error != ok)
            return where.error;
        if (!directory && where.name_is_dots())
            return eisdir;
        if (directory && where.name.is_empty())
            return ebusy;
        if (directory && where.name == ".")
            return einval;
        if (directory && where.name == "..")
            return enotempty;
        int victim = m_model.child(where.node, where.name);
        if (victim < 0)
            return enoent;
        Node& node = m_model.node(static_cast<uint32_t>(victim));
        bool is_directory = node.kind == Kind::Directory;
        if (!directory && where.trailing_slash)
            return is_directory ? eisdir : enotdir;
        if (!directory && is_directory)
            return eisdir;
        if (directory && !is_directory)
            return enotdir;
        if (directory && !node.entries.is_empty())
            return enotempty;
        m_model.remove_entry(where.node, where.name[0]);
        m_model.unname(static_cast<uint32_t>(victim));
        return ok;
    }

    bool rename(Random& random, ktl::StringView from, ktl::StringView to) {
        uint32_t pick = random.below(10);
        uint32_t flags = pick < 7   ? 0u
                         : pick < 9 ? uint32_t{fs::rename_no_replace}
                                    : uint32_t{fs::rename_exchange};
        int model = expect_rename(from, to, flags);
        int kernel = result_code(fs::rename(m_lookup, from, m_lookup, to, flags));
        const char* name = flags == 0                       ? "rename"
                           : flags == fs::rename_no_replace ? "rename(noreplace)"
                                                            : "rename(exchange)";
        return agree(name, from, to, kernel, model);
    }
    // do_renameat2 and vfs_rename's order: names, source, target for RENAME_NOREPLACE and
    // RENAME_EXCHANGE, trailing slashes, lock_rename's trap, same inode, then the types.
    int expect_rename(ktl::StringView from_path, ktl::StringView to_path, uint32_t flags) {
        bool exchange = flags & fs::rename_exchange;
        bool no_replace = flags & fs::rename_no_replace;
        int hops = 0;
        Parent from = m_model.parent(0, from_path, hops);
        if (from.error != ok)
            return from.error;
        hops = 0;
        Parent to = m_model.parent(0, to_path, hops);
        if (to.error != ok)
            return to.error;
        if (from.name_is_dots())
            return ebusy;
        if (to.name_is_dots())
            return no_replace ? eexist : ebusy;
        int moving_index = m_model.child(from.node, from.name);
        if (moving_index < 0)
            return enoent;
        uint32_t moving = static_cast<uint32_t>(moving_index);
        bool moving_is_directory = m_model.node(moving).kind == Kind::Directory;
        int victim = m_model.child(to.node, to.name);
        if (no_replace && victim >= 0)
            return eexist;
        if (exchange) {
            if (victim < 0)
                return enoent;
            if (m_model.node(static_cast<uint32_t>(victim)).kind != Kind::Directory && to.trailing_slash)
                return enotdir;
        }
        if (!moving_is_directory && (from.trailing_slash || (!exchange && to.trailing_slash)))
            return enotdir;
        int trap = m_model.trap(from.node, to.node);
        if (trap >= 0 && static_cast<uint32_t>(trap) == moving)
            return einval;
        if (trap >= 0 && victim == trap)
            return exchange ? einval : enotempty;
        if (victim >= 0 && static_cast<uint32_t>(victim) == moving)
            return ok;
        if (exchange) {
            uint32_t other = static_cast<uint32_t>(victim);
            for (Entry& entry : m_model.node(from.node).entries)
                if (entry.name == from.name[0])
                    entry.node = other;
            for (Entry& entry : m_model.node(to.node).entries)
                if (entry.name == to.name[0])
                    entry.node = moving;
            if (m_model.node(other).kind == Kind::Directory)
                m_model.node(other).parent = from.node;
            if (moving_is_directory)
                m_model.node(moving).parent = to.node;
            return ok;
        }
        if (victim >= 0) {
            Node& replaced = m_model.node(static_cast<uint32_t>(victim));
            if (moving_is_directory && replaced.kind != Kind::Directory)
                return enotdir;
            if (!moving_is_directory && replaced.kind == Kind::Directory)
                return eisdir;
            if (replaced.kind == Kind::Directory && !replaced.entries.is_empty())
                return enotempty;
            m_model.remove_entry(to.node, to.name[0]);
            m_model.unname(static_cast<uint32_t>(victim));
        }
        m_model.remove_entry(from.node, from.name[0]);
        m_model.add_entry(to.node, to.name[0], moving);
        if (moving_is_directory)
            m_model.node(moving).parent = to.node;
        return ok;
    }

    bool symlink(Random& random, ktl::StringView target, ktl::StringView path) {
        // A loop of its own now and then, for ELOOP.
        if (random.one_in(8) && !path.is_empty())
            target = path;
        int model = expect_symlink(target, path);
        int kernel = result_code(fs::make_symlink(m_lookup, target, path));
        return agree("symlink", target, path, kernel, model);
    }
    int expect_symlink(ktl::StringView target, ktl::StringView path) {
        int hops = 0;
        Parent where = m_model.parent(0, path, hops);
        if (where.error != ok)
            return where.error;
        if (where.name_is_dots() || m_model.child(where.node, where.name) >= 0)
            return eexist;
        if (where.trailing_slash)
            return enoent; // filename_create: "you had / on the end"
        uint32_t made = MUST(m_model.new_node(Kind::Symlink));
        Node& link = m_model.node(made);
        link.links = 1;
        for (size_t i = 0; i < target.length(); ++i)
            link.target[i] = target[i];
        link.target_length = target.length();
        m_model.add_entry(where.node, where.name[0], made);
        return ok;
    }

    bool link(ktl::StringView from, ktl::StringView to) {
        int model = expect_link(from, to);
        int kernel = result_code(fs::make_link(m_lookup, from, m_lookup, to, false));
        return agree("link", from, to, kernel, model);
    }
    // do_linkat: the old path (not following), then filename_create's checks, then vfs_link's.
    int expect_link(ktl::StringView from, ktl::StringView to) {
        int hops = 0;
        Walked old = m_model.walk(0, from, false, hops);
        if (old.error != ok)
            return old.error;
        hops = 0;
        Parent where = m_model.parent(0, to, hops);
        if (where.error != ok)
            return where.error;
        if (where.name_is_dots() || m_model.child(where.node, where.name) >= 0)
            return eexist;
        if (where.trailing_slash)
            return enoent;
        Node& target = m_model.node(old.node);
        if (target.kind == Kind::Directory)
            return eperm;
        ++target.links;
        m_model.add_entry(where.node, where.name[0], old.node);
        return ok;
    }

    bool truncate(Random& random, ktl::StringView path) {
        size_t length = random.below(random.one_in(4) ? max_file : 300);
        int hops = 0;
        int model = ok;
        Walked found = m_model.walk(0, path, true, hops);
        if (found.error != ok)
            model = found.error;
        else if (m_model.node(found.node).kind == Kind::Directory)
            model = eisdir;
        else {
            Node& file = m_model.node(found.node);
            size_t old_length = file.content.size();
            MUST(file.content.try_resize(length));
            for (size_t i = old_length; i < length; ++i)
                file.content[i] = 0;
        }
        int kernel = ok;
        auto resolved = fs::resolve(m_lookup, path, true);
        if (resolved.is_error())
            kernel = result_code(resolved);
        else
            kernel = result_code(
                fs::truncate(resolved.value(), m_lookup.credentials, static_cast<int64_t>(length)));
        return agree("truncate", path, "", kernel, model);
    }

    bool fail_tree(ktl::StringView path, const char* what) {
        ktest::fail(__FILE__, __LINE__, "after operation {}: '{}': {}", m_sequence, path, what);
        return false;
    }

    // Checks the name of `index` at `path`: its type, size, links, content or target.
    bool compare_node(uint32_t index, ktl::StringView path) {
        auto found = fs::resolve(m_lookup, path, false);
        if (found.is_error())
            return fail_tree(path, "the model's name is missing");
        fs::InodeMetadata metadata = found.value().inode().metadata();
        Node& node = m_model.node(index);
        if (node.inode_number == 0)
            node.inode_number = metadata.inode;
        else if (node.inode_number != metadata.inode)
            return fail_tree(path, "the inode number changed (or hard links split)");
        switch (node.kind) {
        case Kind::Directory: {
            if (!metadata.is_directory())
                return fail_tree(path, "not a directory");
            uint32_t subdirectories = 0;
            for (const Entry& entry : node.entries)
                subdirectories += m_model.node(entry.node).kind == Kind::Directory;
            if (metadata.link_count != 2 + subdirectories)
                return fail_tree(path, "a directory's link count is not 2 + its subdirectories");
            return compare_directory(index, path);
        }
        case Kind::Symlink: {
            if (!metadata.is_symlink())
                return fail_tree(path, "not a symlink");
            auto target = found.value().inode().link_target();
            if (target.is_error() ||
                target.value().view() != ktl::StringView(node.target, node.target_length))
                return fail_tree(path, "the symlink's target differs");
            return true;
        }
        case Kind::File: {
            if (!metadata.is_regular())
                return fail_tree(path, "not a regular file");
            if (metadata.size != node.content.size())
                return fail_tree(path, "the size differs");
            if (metadata.link_count != node.links)
                return fail_tree(path, "the link count differs");
            auto opened = fs::open(m_lookup, path, fs::open_read_only | fs::open_no_follow, 0);
            if (opened.is_error())
                return fail_tree(path, "cannot be opened");
            size_t total = 0;
            for (;;) {
                auto part =
                    opened.value()->read(fs::IoBuffer::kernel(static_cast<void*>(read_buffer + total)),
                                         sizeof read_buffer - total);
                if (part.is_error())
                    return fail_tree(path, "read failed");
                if (part.value() == 0)
                    break;
                total += part.value();
            }
            if (total != node.content.size())
                return fail_tree(path, "read returned another length");
            for (size_t i = 0; i < total; ++i)
                if (read_buffer[i] != node.content[i])
                    return fail_tree(path, "the content differs");
            return true;
        }
        }
        return true;
    }

    bool compare_directory(uint32_t index, ktl::StringView path) {
        auto opened = fs::open(m_lookup, path, fs::open_read_only | fs::open_directory, 0);
        if (opened.is_error())
            return fail_tree(path, "the directory cannot be opened");
        // getdents64 records: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
        uint32_t seen = 0;
        for (;;) {
            auto read = opened.value()->read_directory(
                fs::IoBuffer::kernel(static_cast<void*>(directory_buffer)), sizeof directory_buffer);
            if (read.is_error())
                return fail_tree(path, "getdents failed");
            if (read.value() == 0)
                break;
            for (size_t at = 0; at < read.value();) {
                uint16_t record_length;
                __builtin_memcpy(&record_length, directory_buffer + at + 16, 2);
                uint8_t type = directory_buffer[at + 18];
                ktl::StringView name(reinterpret_cast<const char*>(directory_buffer + at + 19));
                at += record_length;
                if (name == "." || name == "..")
                    continue;
                int child = m_model.child(index, name);
                if (child < 0)
                    return fail_tree(path, "getdents lists a name the model does not have");
                Kind kind = m_model.node(static_cast<uint32_t>(child)).kind;
                uint8_t expected = kind == Kind::Directory ? 4 : kind == Kind::File ? 8 : 10;
                if (type != expected)
                    return fail_tree(path, "getdents reports another d_type");
                ++seen;
            }
        }
        Node& directory = m_model.node(index);
        if (seen != directory.entries.size())
            return fail_tree(path, "getdents lists fewer names than the model has");
        for (size_t i = 0; i < m_model.node(index).entries.size(); ++i) {
            Entry entry = m_model.node(index).entries[i];
            char child_path[128];
            size_t length = 0;
            for (; length < path.length() && length < 100; ++length)
                child_path[length] = path[length];
            if (length == 0 || child_path[length - 1] != '/')
                child_path[length++] = '/';
            child_path[length++] = entry.name;
            if (!compare_node(entry.node, ktl::StringView(child_path, length)))
                return false;
        }
        return true;
    }

    const fs::Lookup& m_lookup;
    Model& m_model;
    uint32_t m_sequence = 0;
};

constexpr ktl::StringView scratch = "/tmp/vfs-model";

// One run from `seed` in a fresh tmpfs mounted at the scratch directory; false on a divergence.
bool run_from_seed(uint64_t seed, uint32_t operations) {
    fs::Lookup system{fs::root_path(), fs::root_path(), {}, 0};
    if (fs::make_directory(system, scratch, 0755).is_error())
        return false;
    {
        fs::Path mount_point = MUST(fs::resolve(system, scratch));
        if (fs::mount("tmpfs", mount_point, "tmpfs", 0, "").is_error())
            return false;
    }
    bool agreed = true;
    {
        fs::Path root = MUST(fs::resolve(system, scratch));
        fs::Lookup lookup{root, root, {}, 0};
        Model model;
        if (!model.initialize())
            return false;
        ModelTest test(lookup, model);
        Random random(seed);
        for (uint32_t sequence = 1; sequence <= operations && agreed; ++sequence) {
            agreed = test.step(random, sequence);
            if (agreed && (sequence % 250 == 0 || sequence == operations))
                agreed = test.compare_tree();
        }
    }
    fs::Path mounted = MUST(fs::resolve(system, scratch));
    bool unmounted = !fs::unmount(static_cast<fs::Path&&>(mounted), 0).is_error();
    bool removed = !fs::remove(system, scratch, true).is_error();
    if (!unmounted || !removed)
        ktest::fail(__FILE__, __LINE__, "the scratch tmpfs could not be unmounted ({}) or removed ({})",
                    unmounted, removed);
    return agreed && unmounted && removed;
}

} // namespace

// Four seeds of 5,000 operations take about a second under TCG; 40 seeds found nothing more.
KTEST(random_path_walks_and_tmpfs_changes_agree_with_a_model_of_linux) {
    constexpr uint32_t seeds = 4, operations = 5000;
    for (uint64_t seed = 1; seed <= seeds; ++seed) {
        if (!run_from_seed(seed * 0x9e3779b97f4a7c15ull, operations)) {
            ktest::fail(__FILE__, __LINE__, "the divergence above is from seed {}", seed);
            return;
        }
    }
}
