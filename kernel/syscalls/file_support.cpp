#include "syscalls/file_support.h"

namespace syscalls {

ktl::ErrorOr<proc::Process*> current_process_or_error() {
    proc::Process* process = proc::current_process();
    if (!process)
        return ktl::Errno::BadFileDescriptor;
    return process;
}

ktl::ErrorOr<fs::FileTable*> current_files() {
    return &TRY(current_process_or_error())->files();
}

ktl::ErrorOr<void> UserPath::copy(UserPath& path, mm::UserPtr<const char> source, bool allow_empty) {
    auto short_path = mm::copy_string_from_user(path.m_inline, source.address(), inline_capacity);
    if (!short_path.is_error()) {
        path.m_length = short_path.value();
    } else {
        if (short_path.error().code() != ktl::Errno::NameTooLong)
            return short_path.error();
        path.m_text = static_cast<char*>(mm::kmalloc(fs::path_max));
        if (!path.m_text) {
            path.m_text = path.m_inline;
            return ktl::Errno::NoMemory;
        }
        path.m_length = TRY(mm::copy_string_from_user(path.m_text, source.address(), fs::path_max));
    }
    if (path.m_length == 0 && !allow_empty)
        return ktl::Errno::NoEntry;
    return {};
}

ktl::ErrorOr<fs::Lookup> lookup_at(int dirfd, ktl::StringView path) {
    proc::Process* process = TRY(current_process_or_error());
    if (dirfd == at_fdcwd || (!path.is_empty() && path[0] == '/'))
        return process->lookup();
    fs::RefPtr<fs::OpenFile> directory = TRY(process->files().get(dirfd));
    if (directory->path().is_null() || !directory->path().inode().metadata().is_directory())
        return ktl::Errno::NotDirectory;
    return process->lookup(&directory->path());
}

ktl::ErrorOr<fs::Path> path_of_fd(int fd) {
    proc::Process* process = TRY(current_process_or_error());
    fs::RefPtr<fs::OpenFile> file = TRY(process->files().get(fd));
    if (file->path().is_null())
        return ktl::Errno::BadFileDescriptor;
    return file->path();
}

LinuxStat to_linux_stat(const fs::InodeMetadata& metadata) {
    LinuxStat stat{};
    stat.device = metadata.device;
    stat.inode = metadata.inode;
    stat.link_count = metadata.link_count;
    stat.mode = metadata.mode;
    stat.uid = metadata.uid;
    stat.gid = metadata.gid;
    stat.rdev = metadata.rdev;
    stat.size = static_cast<int64_t>(metadata.size);
    stat.block_size = metadata.block_size;
    stat.blocks = static_cast<int64_t>(metadata.blocks);
    stat.access_seconds = metadata.access_time.seconds;
    stat.access_nanoseconds = metadata.access_time.nanoseconds;
    stat.modify_seconds = metadata.modify_time.seconds;
    stat.modify_nanoseconds = metadata.modify_time.nanoseconds;
    stat.change_seconds = metadata.change_time.seconds;
    stat.change_nanoseconds = metadata.change_time.nanoseconds;
    return stat;
}

} // namespace syscalls
