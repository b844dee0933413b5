// Packing --initrd's directory and running xorriso; see initrd_image.h.
#include "initrd_image.h"

#include "cpio/archive.h"
#include "pack_directory.h"
#include "process.h"
#include "qemu_command.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace runner {

namespace {

// The last lines of a helper's output, indented, for an error message.
std::string tail_of(const std::string& text, size_t lines) {
    size_t start = text.size();
    while (start > 0 && lines > 0) {
        start = text.rfind('\n', start - 1);
        if (start == std::string::npos) {
            start = 0;
            break;
        }
        if (start + 1 < text.size())
            --lines;
    }
    std::string tail = text.substr(start == 0 ? 0 : start + 1);
    std::string indented;
    size_t from = 0;
    while (from < tail.size()) {
        size_t newline = tail.find('\n', from);
        if (newline == std::string::npos)
            newline = tail.size();
        indented += "\n    " + tail.substr(from, newline - from);
        from = newline + 1;
    }
    return indented;
}

// The primary volume descriptor at sector 16: type 1, then "CD001". xorriso would take anything else
// for a blank image and write an unbootable one without complaint.
bool is_iso9660_image(const std::string& path) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    char descriptor[6] = {};
    return fd.is_open() && ::pread(fd.get(), descriptor, sizeof descriptor, 16 * 2048) == sizeof descriptor &&
           std::memcmp(descriptor,
                       "\x01"
                       "CD001",
                       sizeof descriptor) == 0;
}

} // namespace

InitrdImage prepare_initrd_archive(const std::string& initrd, const std::string& temp_directory) {
    InitrdImage image;
    struct stat info {};
    if (::stat(initrd.c_str(), &info) != 0) {
        image.error = "initrd not found: " + initrd + " (--initrd takes a directory or a cpio archive)";
        return image;
    }

    if (S_ISDIR(info.st_mode)) {
        auto packed = mkinitrd::pack_directory(initrd);
        if (!packed.error.empty()) {
            image.error = "cannot pack the initrd: " + packed.error;
            return image;
        }
        image.archive = temp_directory + "/initrd.cpio";
        image.temp_files.push_back(image.archive);
        std::string error;
        if (mkinitrd::write_if_changed(image.archive, packed.archive, error) ==
            mkinitrd::WriteOutcome::Failed) {
            image.error = "cannot write the packed initrd: " + error;
            return image;
        }
        image.packed = true;
        image.entries = packed.entries;
        image.archive_size = packed.archive.size();
    } else if (S_ISREG(info.st_mode)) {
        image.archive = initrd;
        image.archive_size = static_cast<size_t>(info.st_size);
        auto bytes = read_text_file(initrd);
        if (!bytes) {
            image.error = "cannot read the initrd " + initrd + ": " + std::strerror(errno);
            return image;
        }
        cpio::Problem problem = cpio::Problem::None;
        auto archive = cpio::Archive::parse(
            ktl::ByteReader(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()),
            cpio::default_max_entries, &problem);
        if (archive.is_error())
            image.warnings.push_back("warning: " + initrd + " is not a valid newc cpio archive (" +
                                     cpio::problem_name(problem) + "); booting with it anyway");
        else
            image.entries = archive.value().entry_count();
    } else {
        image.error = "--initrd=" + initrd + " is neither a directory nor a regular file";
        return image;
    }
    return image;
}

InitrdImage make_initrd_image(const std::string& base_iso, const std::string& initrd,
                              const std::string& temp_directory) {
    if (!is_iso9660_image(base_iso)) {
        InitrdImage image;
        image.error = base_iso + " is not an ISO 9660 image; --initrd needs one to copy";
        return image;
    }
    InitrdImage image = prepare_initrd_archive(initrd, temp_directory);
    if (!image.error.empty())
        return image;

    std::string output = temp_directory + "/blog_os-initrd.iso";
    std::string log_path = temp_directory + "/xorriso.log";
    image.temp_files.push_back(output);
    image.temp_files.push_back(log_path);
    FileDescriptor log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    FileDescriptor null_input(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!log.is_open()) {
        image.error = "cannot write " + log_path + ": " + std::strerror(errno);
        return image;
    }
    SpawnOptions spawn;
    spawn.stdin_fd = null_input.get();
    spawn.stdout_fd = log.get();
    spawn.stderr_fd = log.get();
    auto spawned = spawn_process(build_xorriso_replace_argv(base_iso, image.archive, output), spawn);
    if (spawned.pid < 0) {
        image.error = spawned.error;
        return image;
    }
    QemuTermination end = wait_for_exit(spawned.pid);
    if (end.kind != QemuTermination::Kind::Exited || end.value != 0 || !file_exists(output)) {
        std::string how = end.kind == QemuTermination::Kind::Signaled
                              ? "killed by signal " + std::to_string(end.value)
                              : "exit status " + std::to_string(end.value);
        image.error = "xorriso could not copy " + base_iso + " with another " + iso_initrd_path + " (" + how +
                      "):" + tail_of(read_text_file(log_path).value_or(""), 8);
        return image;
    }
    image.iso = output;
    return image;
}

} // namespace runner
