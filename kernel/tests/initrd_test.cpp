// The initrd unpacker on hostile archives, built here byte by byte: names with "..", absolute
// names, a symlink pointing out and a file written through it, duplicates, a hard-link group,
// device nodes, a truncated archive and a huge declared size. Each is unpacked into a target
// directory next to a sibling that must stay empty: nothing may land outside the target.
#include "cpio/archive.h"
#include "fs/initrd.h"
#include "fs/vfs.h"
#include "ktl/vector.h"
#include "test/ktest.h"

namespace {

constexpr ktl::StringView scratch = "/tmp/initrd-test";
constexpr uint32_t regular = 0100000, directory = 0040000, symlink = 0120000, character_device = 0020000;

// A newc archive in memory, entries written as GNU cpio writes them.
class ArchiveBuilder {
public:
    struct Fields {
        uint32_t inode = 0;
        uint32_t mode = regular | 0644;
        uint32_t nlink = 1;
        uint32_t rdev_major = 0, rdev_minor = 0;
        uint32_t declared_size = ~0u; // ~0: the data's length
    };

    void add(ktl::StringView name, ktl::StringView data, Fields fields) {
        if (fields.inode == 0)
            fields.inode = ++m_next_inode;
        uint32_t size =
            fields.declared_size == ~0u ? static_cast<uint32_t>(data.length()) : fields.declared_size;
        append("070701");
        uint32_t values[13] = {fields.inode,
                               fields.mode,
                               0,
                               0,
                               fields.nlink,
                               0,
                               size,
                               0,
                               0,
                               fields.rdev_major,
                               fields.rdev_minor,
                               static_cast<uint32_t>(name.length() + 1),
                               0};
        for (uint32_t value : values) {
            char hex[8];
            for (int i = 7; i >= 0; --i, value >>= 4)
                hex[i] = "0123456789abcdef"[value & 15];
            append(ktl::StringView(hex, 8));
        }
        append(name);
        byte(0);
        pad();
        append(data);
        pad();
    }
    void add_file(ktl::StringView name, ktl::StringView data) { add(name, data, {}); }
    void add_directory(ktl::StringView name) { add(name, "", {.mode = directory | 0755}); }
    void add_symlink(ktl::StringView name, ktl::StringView target) {
        add(name, target, {.mode = symlink | 0777});
    }
    void finish() { add("TRAILER!!!", "", {.mode = 0, .nlink = 1}); }

    ktl::ByteReader bytes() const { return ktl::ByteReader(m_bytes.data(), m_bytes.size()); }
    ktl::ByteReader first(size_t length) const { return ktl::ByteReader(m_bytes.data(), length); }
    bool failed() const { return m_failed; }

private:
    void byte(uint8_t value) { m_failed |= m_bytes.try_append(value).is_error(); }
    void append(ktl::StringView text) {
        for (char c : text)
            byte(static_cast<uint8_t>(c));
    }
    void pad() {
        while (m_bytes.size() % 4)
            byte(0);
    }

    ktl::Vector<uint8_t> m_bytes;
    uint32_t m_next_inode = 0;
    bool m_failed = false;
};

// /tmp/initrd-test/{target,outside}, made fresh per test and removed recursively after.
class Scratch {
public:
    Scratch() : m_system{fs::root_path(), fs::root_path(), {}, 0} {
        remove_tree(scratch);
        m_made = !fs::make_directory(m_system, scratch, 0755).is_error() &&
                 !fs::make_directory(m_system, "/tmp/initrd-test/target", 0755).is_error() &&
                 !fs::make_directory(m_system, "/tmp/initrd-test/outside", 0755).is_error();
    }
    ~Scratch() { remove_tree(scratch); }
    bool made() const { return m_made; }
    const fs::Lookup& system() const { return m_system; }
    fs::Path target() const { return MUST(fs::resolve(m_system, "/tmp/initrd-test/target")); }

    // Names in a directory (without "." and ".."), or -1 if it cannot be read.
    int count(ktl::StringView path) {
        int names = 0;
        bool ok = for_each_name(path, [&](ktl::StringView) { ++names; });
        return ok ? names : -1;
    }
    bool exists(ktl::StringView path) { return !fs::resolve(m_system, path, false).is_error(); }
    // A file's content, or an empty String if it is not a readable regular file.
    bool content_is(ktl::StringView path, ktl::StringView expected) {
        auto file = fs::open(m_system, path, fs::open_read_only | fs::open_no_follow, 0);
        if (file.is_error())
            return false;
        char buffer[128];
        auto read = file.value()->read(fs::IoBuffer::kernel(static_cast<void*>(buffer)), sizeof buffer);
        return !read.is_error() && ktl::StringView(buffer, read.value()) == expected;
    }
    fs::InodeMetadata metadata(ktl::StringView path) {
        auto found = fs::resolve(m_system, path, false);
        return found.is_error() ? fs::InodeMetadata{} : found.value().inode().metadata();
    }

private:
    template <typename Visit>
    bool for_each_name(ktl::StringView path, Visit visit) {
        auto opened =
            fs::open(m_system, path, fs::open_read_only | fs::open_directory | fs::open_no_follow, 0);
        if (opened.is_error())
            return false;
        static uint8_t buffer[2048];
        for (;;) {
            auto read = opened.value()->read_directory(fs::IoBuffer::kernel(static_cast<void*>(buffer)),
                                                       sizeof buffer);
            if (read.is_error())
                return false;
            if (read.value() == 0)
                return true;
            for (size_t at = 0; at < read.value();) {
                uint16_t record_length;
                __builtin_memcpy(&record_length, buffer + at + 16, 2);
                ktl::StringView name(reinterpret_cast<const char*>(buffer + at + 19));
                at += record_length;
                if (name != "." && name != "..")
                    visit(name);
            }
        }
    }

    // Depth-first, names copied out first since removing changes the directory being read.
    void remove_tree(ktl::StringView path) {
        auto found = fs::resolve(m_system, path, false);
        if (found.is_error())
            return;
        if (!found.value().inode().metadata().is_directory()) {
            (void)fs::remove(m_system, path, false);
            return;
        }
        for (;;) {
            char child[256];
            size_t length = 0;
            for_each_name(path, [&](ktl::StringView name) {
                if (length != 0 || path.length() + 1 + name.length() >= sizeof child)
                    return;
                for (char c : path)
                    child[length++] = c;
                child[length++] = '/';
                for (char c : name)
                    child[length++] = c;
            });
            if (length == 0)
                break;
            remove_tree(ktl::StringView(child, length));
            if (exists(ktl::StringView(child, length)))
                break; // could not remove: give up rather than loop
        }
        (void)fs::remove(m_system, path, true);
    }

    fs::Lookup m_system;
    bool m_made = false;
};

} // namespace

KTEST(cpio_parse_refuses_dot_dot_names_truncation_huge_sizes_and_a_missing_trailer) {
    cpio::Problem problem = cpio::Problem::None;
    {
        ArchiveBuilder archive;
        archive.add_file("../escape", "x");
        archive.finish();
        KEXPECT(cpio::Archive::parse(archive.bytes(), cpio::default_max_entries, &problem).is_error());
        KEXPECT(problem == cpio::Problem::UnsafeName);
    }
    {
        ArchiveBuilder archive;
        archive.add_file("a/../../escape", "x");
        archive.finish();
        KEXPECT(cpio::Archive::parse(archive.bytes(), cpio::default_max_entries, &problem).is_error());
        KEXPECT(problem == cpio::Problem::UnsafeName);
    }
    {
        ArchiveBuilder archive;
        archive.add_file("file", "some content");
        archive.finish();
        KASSERT(!archive.failed());
        KEXPECT(!cpio::Archive::parse(archive.bytes()).is_error());
        for (size_t cut : {size_t{5}, size_t{110}, size_t{120}, archive.bytes().size() - 4}) {
            problem = cpio::Problem::None;
            KEXPECT(cpio::Archive::parse(archive.first(cut), cpio::default_max_entries, &problem).is_error());
            KEXPECT(problem == cpio::Problem::Truncated || problem == cpio::Problem::MissingTrailer);
        }
    }
    {
        ArchiveBuilder archive;
        archive.add("huge", "tiny", {.declared_size = 0xffffffffu - 1});
        archive.finish();
        KEXPECT(cpio::Archive::parse(archive.bytes(), cpio::default_max_entries, &problem).is_error());
        KEXPECT(problem == cpio::Problem::Truncated);
    }
    {
        ArchiveBuilder archive;
        archive.add_file("no-trailer", "x");
        KEXPECT(cpio::Archive::parse(archive.bytes(), cpio::default_max_entries, &problem).is_error());
        KEXPECT(problem == cpio::Problem::MissingTrailer);
    }
    {
        ArchiveBuilder archive;
        archive.add("directory-with-data", "data", {.mode = directory | 0755});
        archive.finish();
        KEXPECT(cpio::Archive::parse(archive.bytes(), cpio::default_max_entries, &problem).is_error());
        KEXPECT(problem == cpio::Problem::UnexpectedData);
    }
}

KTEST(an_initrd_refused_by_the_parser_writes_nothing_at_all) {
    Scratch scratch_directory;
    KASSERT(scratch_directory.made());
    ArchiveBuilder escaping;
    escaping.add_file("fine", "fine");
    escaping.add_file("../outside/evil", "evil");
    escaping.finish();
    KEXPECT(fs::unpack_archive(escaping.bytes(), scratch_directory.target()).is_error());
    ArchiveBuilder truncated;
    truncated.add_file("fine", "fine");
    truncated.add_file("second", "0123456789");
    truncated.finish();
    KEXPECT(fs::unpack_archive(truncated.first(truncated.bytes().size() - 40), scratch_directory.target())
                .is_error());
    ArchiveBuilder huge;
    huge.add_file("fine", "fine");
    huge.add("huge", "", {.declared_size = 0x7fffffff});
    huge.finish();
    KEXPECT(fs::unpack_archive(huge.bytes(), scratch_directory.target()).is_error());
    KEXPECT_EQ(scratch_directory.count("/tmp/initrd-test/target"), 0);
    KEXPECT_EQ(scratch_directory.count("/tmp/initrd-test/outside"), 0);
    KEXPECT_EQ(scratch_directory.count("/tmp/initrd-test"), 2);
}

KTEST(absolute_names_and_symlinks_pointing_out_of_an_initrd_stay_inside_its_target) {
    Scratch scratch_directory;
    KASSERT(scratch_directory.made());
    ArchiveBuilder archive;
    archive.add_file("/absolute", "absolute");
    archive.add_file("./dotted/name", "dotted");
    archive.add_symlink("up", "../outside");
    archive.add_symlink("root", "/tmp/initrd-test/outside");
    archive.add_symlink("dots", "../../../..");
    archive.add_file("up/through-up", "evil");
    archive.add_file("root/through-root", "evil");
    archive.add_file("dots/through-dots", "dots");
    archive.finish();
    KASSERT(!archive.failed());
    auto counts = fs::unpack_archive(archive.bytes(), scratch_directory.target());
    KASSERT(!counts.is_error());
    // The absolute name lands in the target; "../outside" and the absolute link are read from the
    // target as a root, where nothing of that name exists, so the files through them are refused.
    KEXPECT(scratch_directory.content_is("/tmp/initrd-test/target/absolute", "absolute"));
    KEXPECT(scratch_directory.content_is("/tmp/initrd-test/target/dotted/name", "dotted"));
    KEXPECT(scratch_directory.content_is("/tmp/initrd-test/target/through-dots", "dots"));
    KEXPECT(scratch_directory.metadata("/tmp/initrd-test/target/up").is_symlink());
    KEXPECT_EQ(counts.value().failed, 2u);
    KEXPECT_EQ(scratch_directory.count("/tmp/initrd-test/outside"), 0);
    KEXPECT_EQ(scratch_directory.count("/tmp/initrd-test"), 2);
    KEXPECT(!scratch_directory.exists("/tmp/initrd-test/through-dots"));
    KEXPECT(!scratch_directory.exists("/through-dots"));
    KEXPECT(!scratch_directory.exists("/absolute"));
}

KTEST(initrd_duplicates_hard_links_and_device_nodes_unpack_as_linux_does) {
    Scratch scratch_directory;
    KASSERT(scratch_directory.made());
    ArchiveBuilder archive;
    archive.add_file("duplicate", "first");
    archive.add_file("duplicate", "last wins");
    archive.add_directory("was-a-directory");
    archive.add_file("was-a-directory", "now a file");
    archive.add_file("was-a-file", "soon a directory");
    archive.add_directory("was-a-file");
    // A hard-link group as GNU cpio writes it: the data on the last member only.
    archive.add("link-one", "", {.inode = 900, .nlink = 3});
    archive.add("link-two", "", {.inode = 900, .nlink = 3});
    archive.add("link-three", "shared", {.inode = 900, .nlink = 3});
    archive.add("null", "", {.mode = character_device | 0666, .rdev_major = 1, .rdev_minor = 3});
    archive.add("pipe", "", {.mode = 0010000 | 0600});
    archive.finish();
    KASSERT(!archive.failed());
    auto counts = fs::unpack_archive(archive.bytes(), scratch_directory.target());
    KASSERT(!counts.is_error());
    KEXPECT_EQ(counts.value().failed, 0u);
    KEXPECT(scratch_directory.content_is("/tmp/initrd-test/target/duplicate", "last wins"));
    KEXPECT(scratch_directory.content_is("/tmp/initrd-test/target/was-a-directory", "now a file"));
    KEXPECT(scratch_directory.metadata("/tmp/initrd-test/target/was-a-file").is_directory());
    fs::InodeMetadata one = scratch_directory.metadata("/tmp/initrd-test/target/link-one");
    fs::InodeMetadata three = scratch_directory.metadata("/tmp/initrd-test/target/link-three");
    KEXPECT(one.is_regular());
    KEXPECT_EQ(one.inode, three.inode);
    KEXPECT_EQ(one.inode, scratch_directory.metadata("/tmp/initrd-test/target/link-two").inode);
    KEXPECT_EQ(one.link_count, 3u);
    KEXPECT(scratch_directory.content_is("/tmp/initrd-test/target/link-one", "shared"));
    fs::InodeMetadata null = scratch_directory.metadata("/tmp/initrd-test/target/null");
    KEXPECT(null.is_character_device());
    KEXPECT_EQ(fs::device_major(null.rdev), 1u);
    KEXPECT_EQ(fs::device_minor(null.rdev), 3u);
    KEXPECT(scratch_directory.metadata("/tmp/initrd-test/target/pipe").is_fifo());
    KEXPECT_EQ(scratch_directory.count("/tmp/initrd-test/outside"), 0);
}
