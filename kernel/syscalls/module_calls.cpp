// init_module(2), finit_module(2) and delete_module(2) with Linux's checks in Linux's order:
// privilege (EPERM), flags (EINVAL), the image or the name; the module itself is kernel/module's.
#include "fs/dentry.h"
#include "fs/inode.h"
#include "mm/kernel_heap.h"
#include "module/module.h"
#include "proc/process.h"
#include "syscalls/file_support.h"
#include "syscalls/handlers.h"

namespace syscalls {

namespace {

// include/uapi/linux/module.h
enum : uint32_t {
    module_init_ignore_modversions = 1,
    module_init_ignore_vermagic = 2,
    module_init_compressed_file = 4,
};
constexpr size_t max_image_bytes = 64ull << 20;
constexpr size_t max_parameter_bytes = 4096;
constexpr size_t elf_header_bytes = 64;

// CAP_SYS_MODULE: the effective user id is root.
ktl::ErrorOr<void> check_privilege() {
    proc::Process* process = proc::current_process();
    if (!process || process->identity().effective_uid != 0)
        return ktl::Errno::NotPermitted;
    return {};
}

// A kernel buffer for a module image, freed with the call.
class ImageBuffer {
public:
    ~ImageBuffer() { mm::kfree(m_bytes); }
    ktl::ErrorOr<uint8_t*> allocate(size_t size) {
        m_bytes = static_cast<uint8_t*>(mm::kmalloc(size));
        if (!m_bytes)
            return ktl::Errno::NoMemory;
        m_size = size;
        return m_bytes;
    }
    ktl::ByteReader reader() const { return {m_bytes, m_size}; }

private:
    uint8_t* m_bytes = nullptr;
    size_t m_size = 0;
};

// The parameter string, copied whole ("" for none); EFAULT for a bad pointer as Linux's strndup_user.
class Parameters {
public:
    ~Parameters() { mm::kfree(m_text); }
    ktl::ErrorOr<void> copy(mm::UserPtr<const char> source) {
        m_text = static_cast<char*>(mm::kmalloc(max_parameter_bytes));
        if (!m_text)
            return ktl::Errno::NoMemory;
        auto copied = mm::copy_string_from_user(m_text, source.address(), max_parameter_bytes);
        if (copied.is_error())
            return copied.error().code() == ktl::Errno::NameTooLong
                       ? ktl::Error::from_errno(ktl::Errno::InvalidArgument)
                       : copied.error();
        m_length = copied.value();
        return {};
    }
    ktl::StringView view() const { return {m_text, m_length}; }

private:
    char* m_text = nullptr;
    size_t m_length = 0;
};

} // namespace

Result sys_init_module(mm::UserPtr<const uint8_t> image, uint64_t length,
                       mm::UserPtr<const char> parameters) {
    TRY(check_privilege());
    if (length < elf_header_bytes)
        return ktl::Errno::ExecFormat;
    if (length > max_image_bytes)
        return ktl::Errno::FileTooBig;
    ImageBuffer buffer;
    uint8_t* bytes = TRY(buffer.allocate(length));
    TRY(mm::copy_from_user(bytes, image.address(), length));
    Parameters text;
    TRY(text.copy(parameters));
    TRY(module::load_module(buffer.reader(), text.view(), "init_module"));
    return 0;
}

Result sys_finit_module(int fd, mm::UserPtr<const char> parameters, int flags) {
    TRY(check_privilege());
    constexpr uint32_t known =
        module_init_ignore_modversions | module_init_ignore_vermagic | module_init_compressed_file;
    if (static_cast<uint32_t>(flags) & ~known)
        return ktl::Errno::InvalidArgument;
    if (flags & module_init_compressed_file)
        return ktl::Errno::NotSupported; // no decompressor, as a Linux built without one
    fs::RefPtr<fs::OpenFile> file = TRY(TRY(current_files())->get(fd));
    if (!file->can_read())
        return ktl::Errno::BadFileDescriptor;
    fs::InodeMetadata metadata = TRY(file->metadata());
    if (!metadata.is_regular())
        return ktl::Errno::InvalidArgument;
    if (metadata.size > max_image_bytes)
        return ktl::Errno::FileTooBig;
    if (metadata.size < elf_header_bytes)
        return ktl::Errno::ExecFormat;
    ImageBuffer buffer;
    uint8_t* bytes = TRY(buffer.allocate(metadata.size));
    size_t done = 0;
    while (done < metadata.size) {
        size_t got = TRY(file->read_at(done, fs::IoBuffer::kernel(static_cast<void*>(bytes + done)),
                                       metadata.size - done));
        if (got == 0)
            return ktl::Errno::ExecFormat; // shrank under us
        done += got;
    }
    Parameters text;
    TRY(text.copy(parameters));
    // The log names the file as the caller does when it can (its last component).
    ktl::String name;
    if (!file->path().is_null())
        if (auto found = file->path().dentry->name(); !found.is_error())
            name = found.release_value();
    TRY(module::load_module(buffer.reader(), text.view(),
                            name.is_empty() ? ktl::StringView("finit_module") : name.view()));
    return 0;
}

Result sys_delete_module(mm::UserPtr<const char> name, uint32_t flags) {
    TRY(check_privilege());
    // Linux copies at most MODULE_NAME_LEN - 1 bytes and cuts the rest.
    char text[module::max_name_length + 1];
    size_t length = 0;
    auto copied = mm::copy_string_from_user(text, name.address(), sizeof text);
    if (!copied.is_error())
        length = copied.value();
    else if (copied.error().code() == ktl::Errno::NameTooLong)
        length = sizeof text - 1;
    else
        return copied.error();
    (void)flags; // O_NONBLOCK is how every caller asks; O_TRUNC (force) is not offered
    TRY(module::unload_module(ktl::StringView(text, length)));
    return 0;
}

} // namespace syscalls
