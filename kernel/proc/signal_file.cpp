#include "proc/signal_file.h"

#include "fs/anonymous_inode.h"
#include "proc/process.h"
#include "proc/signals.h"
#include "sched/wait_queue.h"

#include <cstring>

namespace proc {

namespace {

// struct signalfd_siginfo: 128 bytes.
struct SignalRecord {
    uint32_t signal;
    int32_t error_number;
    int32_t code;
    uint32_t pid;
    uint32_t uid;
    int32_t fd;
    uint32_t timer_id;
    uint32_t band;
    uint32_t overrun;
    uint32_t trap_number;
    int32_t status;
    int32_t int_value;
    uint64_t pointer_value;
    uint64_t user_time;
    uint64_t system_time;
    uint64_t address;
    uint16_t address_lsb;
    uint16_t padding;
    int32_t syscall;
    uint64_t call_address;
    uint32_t arch;
    uint8_t padding2[28];
};
static_assert(sizeof(SignalRecord) == 128);

// The siginfo union read by the signal's kind, as Linux's signalfd_copyinfo does.
SignalRecord record_of(const SignalInfo& info) {
    SignalRecord record{};
    record.signal = static_cast<uint32_t>(info.signal);
    record.error_number = info.error_number;
    record.code = info.code;
    bool fault = info.code > 0 && info.code < si_kernel &&
                 (info.signal == sigsegv || info.signal == sigbus || info.signal == sigill ||
                  info.signal == sigfpe || info.signal == sigtrap);
    if (info.signal == sigchld && info.code > 0 && info.code < si_kernel) {
        record.pid = static_cast<uint32_t>(info.child.pid);
        record.uid = info.child.uid;
        record.status = info.child.status;
        record.user_time = static_cast<uint64_t>(info.child.user_time);
        record.system_time = static_cast<uint64_t>(info.child.system_time);
    } else if (fault) {
        record.address = info.fault.address;
    } else if (info.code == si_timer) {
        record.timer_id = static_cast<uint32_t>(info.timer.id);
        record.overrun = static_cast<uint32_t>(info.timer.overrun);
        record.int_value = static_cast<int32_t>(info.timer.value);
        record.pointer_value = info.timer.value;
    } else if (info.code != si_kernel) {
        // kill, tkill, sigqueue: the sender, and sigqueue's value.
        record.pid = static_cast<uint32_t>(info.sender.pid);
        record.uid = info.sender.uid;
        record.int_value = static_cast<int32_t>(info.sender.value);
        record.pointer_value = info.sender.value;
    }
    return record;
}

class SignalFile final : public fs::OpenFile {
public:
    SignalFile(fs::RefPtr<fs::Inode> inode, uint32_t flags, uint64_t mask)
        : OpenFile(static_cast<fs::RefPtr<fs::Inode>&&>(inode), fs::open_read_write | flags), m_mask(mask) {}

    uint64_t mask() const { return __atomic_load_n(&m_mask, __ATOMIC_RELAXED); }
    void set_mask(uint64_t mask) { __atomic_store_n(&m_mask, mask, __ATOMIC_RELAXED); }

    ktl::ErrorOr<size_t> read(fs::IoBuffer buffer, size_t length) override {
        if (length < sizeof(SignalRecord))
            return ktl::Errno::InvalidArgument;
        size_t wanted = length / sizeof(SignalRecord);
        Process* process = current_process();
        if (!process)
            return ktl::Errno::InvalidArgument;
        size_t taken = 0;
        for (;;) {
            SignalInfo info;
            while (taken < wanted && take_current_signal(mask(), info)) {
                SignalRecord record = record_of(info);
                auto written = buffer.write(&record, sizeof record, taken * sizeof record);
                if (written.is_error())
                    return taken > 0 ? ktl::ErrorOr<size_t>(taken * sizeof record) : written.error();
                ++taken;
            }
            if (taken > 0)
                return taken * sizeof(SignalRecord);
            if (is_nonblocking())
                return ktl::Errno::TryAgain;
            auto waited = process->signals.arrivals.wait_until_interruptible(
                [&] { return (current_pending_signals() & mask()) != 0; });
            if (waited == sched::WaitResult::Interrupted)
                return ktl::Errno::RestartSyscall;
        }
    }
    ktl::ErrorOr<size_t> write(fs::IoBuffer, size_t) override { return ktl::Errno::InvalidArgument; }
    ktl::ErrorOr<size_t> read_at(uint64_t, fs::IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<size_t> write_at(uint64_t, fs::IoBuffer, size_t) override { return ktl::Errno::IllegalSeek; }
    ktl::ErrorOr<int64_t> seek(int64_t, fs::Whence) override { return 0; } // Linux's noop_llseek
    bool is_seekable() const override { return false; }
    uint32_t poll_events() override {
        return (current_pending_signals() & mask()) ? fs::poll_in | fs::poll_read_normal : 0;
    }
    sched::WaitQueue* poll_queue() override {
        Process* process = current_process();
        return process ? &process->signals.arrivals : nullptr;
    }
    const char* kind() const override { return "signalfd"; }

private:
    uint64_t m_mask;
};

} // namespace

ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> create_signal_file(uint64_t mask, uint32_t flags) {
    fs::RefPtr<fs::Inode> inode = TRY(fs::anonymous_inode());
    auto file =
        TRY(ktl::try_make_ref_counted<SignalFile>(static_cast<fs::RefPtr<fs::Inode>&&>(inode),
                                                  flags & fs::open_nonblocking, mask & ~unblockable_signals));
    return fs::RefPtr<fs::OpenFile>(file.ptr());
}

ktl::ErrorOr<void> change_signal_file_mask(fs::OpenFile& file, uint64_t mask) {
    if (ktl::StringView(file.kind()) != "signalfd")
        return ktl::Errno::InvalidArgument;
    static_cast<SignalFile&>(file).set_mask(mask & ~unblockable_signals);
    // A poller waiting for the old set looks again.
    if (Process* process = current_process())
        process->signals.arrivals.wake_all();
    return {};
}

} // namespace proc
