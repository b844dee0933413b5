// Linux x86-64 errno values: the kernel's errors are these numbers so a syscall can return -errno as is.
// The enumerators are spelled out because the host's `<cerrno>` defines the E* names as macros.
#pragma once

namespace ktl {

enum class Errno : int {
    NotPermitted = 1,          // EPERM
    NoEntry = 2,               // ENOENT
    NoSuchProcess = 3,         // ESRCH
    Interrupted = 4,           // EINTR
    IoError = 5,               // EIO
    NoDeviceOrAddress = 6,     // ENXIO
    ArgumentListTooLong = 7,   // E2BIG
    ExecFormat = 8,            // ENOEXEC
    BadFileDescriptor = 9,     // EBADF
    NoChild = 10,              // ECHILD
    TryAgain = 11,             // EAGAIN
    NoMemory = 12,             // ENOMEM
    AccessDenied = 13,         // EACCES
    BadAddress = 14,           // EFAULT
    NotBlockDevice = 15,       // ENOTBLK
    Busy = 16,                 // EBUSY
    Exists = 17,               // EEXIST
    CrossDevice = 18,          // EXDEV
    NoDevice = 19,             // ENODEV
    NotDirectory = 20,         // ENOTDIR
    IsDirectory = 21,          // EISDIR
    InvalidArgument = 22,      // EINVAL
    TooManyFilesInSystem = 23, // ENFILE
    TooManyOpenFiles = 24,     // EMFILE
    NotTerminal = 25,          // ENOTTY
    TextFileBusy = 26,         // ETXTBSY
    FileTooBig = 27,           // EFBIG
    NoSpace = 28,              // ENOSPC
    IllegalSeek = 29,          // ESPIPE
    ReadOnlyFilesystem = 30,   // EROFS
    TooManyLinks = 31,         // EMLINK
    BrokenPipe = 32,           // EPIPE
    OutOfRange = 34,           // ERANGE
    Deadlock = 35,             // EDEADLK
    NameTooLong = 36,          // ENAMETOOLONG
    NotImplemented = 38,       // ENOSYS
    NotEmpty = 39,             // ENOTEMPTY
    TooManySymlinks = 40,      // ELOOP
    Overflow = 75,             // EOVERFLOW
    IllegalSequence = 84,      // EILSEQ
    NotSupported = 95,         // ENOTSUP
    TimedOut = 110,            // ETIMEDOUT
    // Kernel-internal, never seen by user space: a wait a signal interrupted. The return to user
    // mode turns them into EINTR or a restart of the call (Linux's ERESTARTSYS, ERESTARTNOHAND).
    RestartSyscall = 512,       // restart unless a handler without SA_RESTART runs
    RestartUnlessHandled = 514, // restart unless any handler runs
};

// Short symbolic name ("ENOMEM"), or "E?" for a number this table does not know.
const char* errno_name(Errno code);

} // namespace ktl
