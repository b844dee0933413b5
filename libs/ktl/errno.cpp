#include "ktl/errno.h"

namespace ktl {

const char* errno_name(Errno code) {
    switch (code) {
#define KTL_ERRNO_CASE(symbol, name)                                                                         \
    case Errno::name:                                                                                        \
        return #symbol;
        KTL_ERRNO_CASE(EPERM, NotPermitted)
        KTL_ERRNO_CASE(ENOENT, NoEntry)
        KTL_ERRNO_CASE(ESRCH, NoSuchProcess)
        KTL_ERRNO_CASE(EINTR, Interrupted)
        KTL_ERRNO_CASE(EIO, IoError)
        KTL_ERRNO_CASE(ENXIO, NoDeviceOrAddress)
        KTL_ERRNO_CASE(E2BIG, ArgumentListTooLong)
        KTL_ERRNO_CASE(ENOEXEC, ExecFormat)
        KTL_ERRNO_CASE(EBADF, BadFileDescriptor)
        KTL_ERRNO_CASE(ECHILD, NoChild)
        KTL_ERRNO_CASE(EAGAIN, TryAgain)
        KTL_ERRNO_CASE(ENOMEM, NoMemory)
        KTL_ERRNO_CASE(EACCES, AccessDenied)
        KTL_ERRNO_CASE(EFAULT, BadAddress)
        KTL_ERRNO_CASE(ENOTBLK, NotBlockDevice)
        KTL_ERRNO_CASE(EBUSY, Busy)
        KTL_ERRNO_CASE(EEXIST, Exists)
        KTL_ERRNO_CASE(EXDEV, CrossDevice)
        KTL_ERRNO_CASE(ENODEV, NoDevice)
        KTL_ERRNO_CASE(ENOTDIR, NotDirectory)
        KTL_ERRNO_CASE(EISDIR, IsDirectory)
        KTL_ERRNO_CASE(EINVAL, InvalidArgument)
        KTL_ERRNO_CASE(ENFILE, TooManyFilesInSystem)
        KTL_ERRNO_CASE(EMFILE, TooManyOpenFiles)
        KTL_ERRNO_CASE(ENOTTY, NotTerminal)
        KTL_ERRNO_CASE(ETXTBSY, TextFileBusy)
        KTL_ERRNO_CASE(EFBIG, FileTooBig)
        KTL_ERRNO_CASE(ENOSPC, NoSpace)
        KTL_ERRNO_CASE(ESPIPE, IllegalSeek)
        KTL_ERRNO_CASE(EROFS, ReadOnlyFilesystem)
        KTL_ERRNO_CASE(EMLINK, TooManyLinks)
        KTL_ERRNO_CASE(EPIPE, BrokenPipe)
        KTL_ERRNO_CASE(ERANGE, OutOfRange)
        KTL_ERRNO_CASE(EDEADLK, Deadlock)
        KTL_ERRNO_CASE(ENAMETOOLONG, NameTooLong)
        KTL_ERRNO_CASE(ENOSYS, NotImplemented)
        KTL_ERRNO_CASE(ENOTEMPTY, NotEmpty)
        KTL_ERRNO_CASE(ELOOP, TooManySymlinks)
        KTL_ERRNO_CASE(EOVERFLOW, Overflow)
        KTL_ERRNO_CASE(EILSEQ, IllegalSequence)
        KTL_ERRNO_CASE(ENOTSUP, NotSupported)
        KTL_ERRNO_CASE(ETIMEDOUT, TimedOut)
        KTL_ERRNO_CASE(ERESTARTSYS, RestartSyscall)
        KTL_ERRNO_CASE(ERESTARTNOHAND, RestartUnlessHandled)
#undef KTL_ERRNO_CASE
    }
    return "E?";
}

} // namespace ktl
