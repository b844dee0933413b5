// The directory walk, the write-only-if-changed output and mkinitrd's command line; see pack_directory.h.
#include "pack_directory.h"

#include "cpio/vector_sink.h"
#include "cpio/writer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mkinitrd {

namespace {

constexpr int usage_exit_code = 64; // sysexits' EX_USAGE, as the runner uses

std::string errno_text() {
    return std::strerror(errno);
}

const char* special_file_kind(mode_t mode) {
    if (S_ISFIFO(mode))
        return "a fifo";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "of an unknown file type";
}

bool read_whole_file(const std::string& path, std::vector<uint8_t>& bytes, std::string& error) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = path + ": " + errno_text();
        return false;
    }
    bytes.clear();
    uint8_t buffer[64 * 1024];
    for (;;) {
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            error = path + ": " + errno_text();
            ::close(fd);
            return false;
        }
        if (got == 0)
            break;
        bytes.insert(bytes.end(), buffer, buffer + got);
    }
    ::close(fd);
    return true;
}

// The names in a directory, "." and ".." left out, in byte order.
bool sorted_names(const std::string& path, std::vector<std::string>& names, std::string& error) {
    DIR* directory = ::opendir(path.c_str());
    if (!directory) {
        error = path + ": " + errno_text();
        return false;
    }
    names.clear();
    errno = 0;
    while (dirent* entry = ::readdir(directory)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..")
            names.push_back(std::move(name));
    }
    bool failed = errno != 0;
    ::closedir(directory);
    if (failed) {
        error = path + ": " + errno_text();
        return false;
    }
    std::sort(names.begin(), names.end());
    return true;
}

class Packer {
public:
    explicit Packer(std::string root) : m_root(std::move(root)) {}

    bool pack_children(const std::string& relative);
    cpio::Writer& writer() { return m_writer; }
    cpio::VectorSink& sink() { return m_sink; }
    std::string& error() { return m_error; }

private:
    bool add(const std::string& relative);
    bool failed(const std::string& path, ktl::Error error, const char* what);

    std::string m_root;
    cpio::VectorSink m_sink;
    cpio::Writer m_writer{m_sink};
    std::string m_error;
};

bool Packer::failed(const std::string& path, ktl::Error error, const char* what) {
    std::string reason = error.code() == ktl::Errno::NameTooLong ? "longer than the 4095 bytes newc allows"
                         : error.code() == ktl::Errno::FileTooBig
                             ? "4 GiB or larger, more than newc's 32-bit size field holds"
                             : std::string("not a valid ") + what + " (" + error.name() + ")";
    m_error = path + ": " + reason;
    return false;
}

bool Packer::pack_children(const std::string& relative) {
    std::string directory = relative.empty() ? m_root : m_root + "/" + relative;
    std::vector<std::string> names;
    if (!sorted_names(directory, names, m_error))
        return false;
    for (const std::string& name : names) {
        if (!add(relative.empty() ? name : relative + "/" + name))
            return false;
    }
    return true;
}

bool Packer::add(const std::string& relative) {
    std::string path = m_root + "/" + relative;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        m_error = path + ": " + errno_text();
        return false;
    }
    ktl::StringView name(relative.data(), relative.size());
    if (S_ISDIR(st.st_mode)) {
        if (auto result = m_writer.add_directory(name, {.permissions = 0755}); result.is_error())
            return failed(path, result.error(), "entry name");
        return pack_children(relative);
    }
    if (S_ISREG(st.st_mode)) {
        std::vector<uint8_t> data;
        if (!read_whole_file(path, data, m_error))
            return false;
        uint32_t permissions = 0644 | (st.st_mode & 0111);
        auto result =
            m_writer.add_file(name, ktl::ByteReader(data.data(), data.size()), {.permissions = permissions});
        if (result.is_error())
            return failed(path, result.error(), "entry name");
        return true;
    }
    if (S_ISLNK(st.st_mode)) {
        std::vector<char> target(static_cast<size_t>(st.st_size) + 1);
        ssize_t length = ::readlink(path.c_str(), target.data(), target.size());
        if (length < 0) {
            m_error = path + ": " + errno_text();
            return false;
        }
        if (static_cast<size_t>(length) == target.size()) {
            m_error = path + ": the symlink changed while it was read";
            return false;
        }
        auto result = m_writer.add_symlink(name, ktl::StringView(target.data(), static_cast<size_t>(length)),
                                           {.permissions = 0777});
        if (result.is_error())
            return failed(path, result.error(), "symlink");
        return true;
    }
    m_error = path + ": is " + special_file_kind(st.st_mode) +
              "; an initrd holds only regular files, directories and symlinks";
    return false;
}

std::string usage_text() {
    return "usage: mkinitrd --output=FILE DIR\n"
           "Packs the tree under DIR into the newc cpio archive FILE, the initrd blog_os boots with.\n"
           "Deterministic: sorted names without a leading '/', mtime/uid/gid 0, inodes in order, files\n"
           "0644 or 0755 by their executable bits, directories 0755. Regular files, directories and\n"
           "symlinks only. FILE is rewritten only when its content changes.\n"
           "  --output=FILE   the archive to write (required)\n"
           "  --help          show this text\n";
}

} // namespace

PackResult pack_directory(const std::string& root) {
    PackResult result;
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) {
        result.error = root + ": " + errno_text();
        return result;
    }
    if (!S_ISDIR(st.st_mode)) {
        result.error = root + ": not a directory";
        return result;
    }
    // Trailing slashes would give "dir//name" in messages; the root itself may be a symlink.
    std::string trimmed = root;
    while (trimmed.size() > 1 && trimmed.back() == '/')
        trimmed.pop_back();
    Packer packer(trimmed);
    if (!packer.pack_children("")) {
        result.error = packer.error();
        return result;
    }
    if (packer.writer().finish().is_error()) {
        result.error = root + ": cannot finish the archive";
        return result;
    }
    result.entries = packer.writer().entries_written();
    result.archive = packer.sink().take_bytes();
    return result;
}

WriteOutcome write_if_changed(const std::string& path, const std::vector<uint8_t>& bytes,
                              std::string& error) {
    std::vector<uint8_t> existing;
    std::string ignored;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<size_t>(st.st_size) == bytes.size() && read_whole_file(path, existing, ignored) &&
        existing == bytes)
        return WriteOutcome::Unchanged;

    // A build interrupted half-way must never leave a truncated archive under the real name.
    std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = temporary + ": " + errno_text();
        return WriteOutcome::Failed;
    }
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote < 0) {
            error = temporary + ": " + errno_text();
            ::close(fd);
            ::unlink(temporary.c_str());
            return WriteOutcome::Failed;
        }
        done += static_cast<size_t>(wrote);
    }
    if (::close(fd) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
        error = path + ": " + errno_text();
        ::unlink(temporary.c_str());
        return WriteOutcome::Failed;
    }
    return WriteOutcome::Written;
}

int run_mkinitrd(const std::vector<std::string>& args, std::string& out, std::string& err) {
    std::string output, directory;
    auto usage_error = [&](const std::string& message) {
        err = "mkinitrd: " + message + "\n\n" + usage_text();
        return usage_exit_code;
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help") {
            out = usage_text();
            return 0;
        }
        if (arg.starts_with("--output=")) {
            output = arg.substr(9);
        } else if (arg == "--output") {
            if (i + 1 == args.size())
                return usage_error("--output needs a value");
            output = args[++i];
        } else if (arg.starts_with("-") && arg != "-") {
            return usage_error("unknown option '" + arg + "'");
        } else if (!directory.empty()) {
            return usage_error("one DIR only, not '" + directory + "' and '" + arg + "'");
        } else {
            directory = arg;
        }
    }
    if (output.empty())
        return usage_error("--output=FILE is required");
    if (directory.empty())
        return usage_error("DIR is required");

    PackResult packed = pack_directory(directory);
    if (!packed.error.empty()) {
        err = "mkinitrd: " + packed.error + "\n";
        return 1;
    }
    std::string error;
    switch (write_if_changed(output, packed.archive, error)) {
    case WriteOutcome::Failed:
        err = "mkinitrd: " + error + "\n";
        return 1;
    case WriteOutcome::Unchanged:
        return 0; // Quiet: the build runs this every time.
    case WriteOutcome::Written:
        out = "mkinitrd: wrote " + output + " (" + std::to_string(packed.entries) + " entries, " +
              std::to_string(packed.archive.size()) + " bytes)\n";
        return 0;
    }
    return 1;
}

} // namespace mkinitrd
