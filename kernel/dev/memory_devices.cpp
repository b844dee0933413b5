#include "dev/memory_devices.h"

#include "console/log.h"
#include "fs/char_device.h"
#include "random/random.h"
#include "sched/scheduler.h"

namespace dev {

namespace {

enum class Kind { Null, Zero, Full, Random, Kmsg };

// Reads and writes that need no state: every open behaves the same.
class MemoryFile final : public fs::OpenFile {
public:
    MemoryFile(fs::RefPtr<fs::Inode> inode, uint32_t flags, Kind kind)
        : OpenFile(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags), m_kind(kind) {}

    ktl::ErrorOr<size_t> read(fs::IoBuffer buffer, size_t length) override {
        return read_at(0, buffer, length);
    }
    ktl::ErrorOr<size_t> write(fs::IoBuffer buffer, size_t length) override {
        return write_at(0, buffer, length);
    }

    ktl::ErrorOr<size_t> read_at(uint64_t, fs::IoBuffer buffer, size_t length) override {
        switch (m_kind) {
        case Kind::Null:
            return 0;
        case Kind::Zero:
        case Kind::Full:
            TRY(buffer.fill_zero(length));
            return length;
        case Kind::Random: {
            uint8_t chunk[256];
            size_t done = 0;
            while (done < length) {
                size_t part = length - done < sizeof chunk ? length - done : sizeof chunk;
                random::fill(chunk, part);
                auto copied = buffer.write(chunk, part, done);
                if (copied.is_error())
                    return done > 0 ? ktl::ErrorOr<size_t>(done) : copied.error();
                done += part;
            }
            return done;
        }
        case Kind::Kmsg:
            return read_message(buffer, length);
        }
        return ktl::Errno::InvalidArgument;
    }

    ktl::ErrorOr<size_t> write_at(uint64_t, fs::IoBuffer buffer, size_t length) override {
        switch (m_kind) {
        case Kind::Full:
            return ktl::Errno::NoSpace;
        case Kind::Kmsg: {
            // One record per write, as Linux's /dev/kmsg. A "<N>" prefix gives its level (N's low three
            // bits, Linux's numbering: 0-3 error, 4 warning, 5-6 info, 7 debug); without one, info.
            char text[256];
            size_t part = length < sizeof text ? length : sizeof text;
            TRY(buffer.read(text, part));
            ktl::StringView message(text, part);
            klog::Level level = klog::Level::Info;
            if (message.length() >= 3 && message[0] == '<') {
                size_t close = message.find('>');
                if (close != ktl::StringView::npos && close < 5) {
                    uint32_t priority = 0;
                    bool numeric = close > 1;
                    for (size_t i = 1; i < close; ++i) {
                        numeric &= message[i] >= '0' && message[i] <= '9';
                        priority = priority * 10 + static_cast<uint32_t>(message[i] - '0');
                    }
                    if (numeric) {
                        constexpr klog::Level levels[] = {
                            klog::Level::Error, klog::Level::Error, klog::Level::Error, klog::Level::Error,
                            klog::Level::Warn,  klog::Level::Info,  klog::Level::Info,  klog::Level::Debug};
                        level = levels[priority & 7];
                    }
                    message = message.substring(close + 1);
                }
            }
            while (!message.is_empty() && message[message.length() - 1] == '\n')
                message = message.substring(0, message.length() - 1);
            klog::log(level, "kmsg", "{}", message);
            return length;
        }
        default:
            // null, zero and random swallow everything (random's bytes would be mixed in on Linux).
            return length;
        }
    }
    ktl::ErrorOr<int64_t> seek(int64_t offset, fs::Whence whence) override {
        if (m_kind != Kind::Kmsg)
            return 0;
        // /dev/kmsg: SEEK_SET 0 goes back to the oldest record kept, SEEK_END to the next one.
        if (offset != 0)
            return ktl::Errno::InvalidArgument;
        if (whence == fs::Whence::Set)
            __atomic_store_n(&m_sequence, klog::oldest_kernel_message_sequence(), __ATOMIC_RELAXED);
        else if (whence == fs::Whence::End)
            __atomic_store_n(&m_sequence, klog::next_kernel_message_sequence(), __ATOMIC_RELAXED);
        else
            return ktl::Errno::InvalidArgument;
        return 0;
    }
    uint32_t poll_events() override {
        if (m_kind != Kind::Kmsg)
            return OpenFile::poll_events();
        bool waiting = __atomic_load_n(&m_sequence, __ATOMIC_RELAXED) < klog::next_kernel_message_sequence();
        return fs::poll_out | fs::poll_write_normal | (waiting ? fs::poll_in | fs::poll_read_normal : 0);
    }
    ktl::ErrorOr<fs::RefPtr<mm::MappedObject>> mapping_object() override {
        if (m_kind == Kind::Zero)
            return fs::RefPtr<mm::MappedObject>(); // anonymous memory, as Linux maps /dev/zero
        return ktl::Errno::NoDevice;
    }
    const char* kind() const override { return "device"; }

private:
    // One record a read, in Linux's /dev/kmsg format: "priority,sequence,microseconds,-;text\n".
    ktl::ErrorOr<size_t> read_message(fs::IoBuffer buffer, size_t length) {
        klog::KernelMessage message;
        for (;;) {
            uint64_t sequence = __atomic_load_n(&m_sequence, __ATOMIC_RELAXED);
            if (klog::read_kernel_message(sequence, message)) {
                char line[320];
                // Facility 0 (the kernel), Linux's level numbers.
                ktl::StringView text = ktl::format_into(
                    line, sizeof line, "{},{},{},-;{}\n", klog::linux_priority(message.level),
                    message.sequence, message.uptime_us, ktl::StringView(message.text, message.length));
                if (text.length() > length)
                    return ktl::Errno::InvalidArgument; // as Linux: the buffer must hold a whole record
                TRY(buffer.write(text.data(), text.length()));
                __atomic_store_n(&m_sequence, sequence, __ATOMIC_RELAXED);
                return text.length();
            }
            if (is_nonblocking())
                return ktl::Errno::TryAgain;
            // The log cannot wake readers (it runs anywhere, the scheduler included): look again soon.
            sched::sleep_for(20'000'000);
        }
    }

    Kind m_kind;
    uint64_t m_sequence = klog::oldest_kernel_message_sequence();
};

class MemoryDevices final : public fs::CharacterDevice {
public:
    ktl::ErrorOr<fs::RefPtr<fs::OpenFile>> open(fs::RefPtr<fs::Inode> inode, uint32_t minor,
                                                uint32_t flags) override {
        Kind kind;
        switch (minor) {
        case 3:
            kind = Kind::Null;
            break;
        case 5:
            kind = Kind::Zero;
            break;
        case 7:
            kind = Kind::Full;
            break;
        case 8:
        case 9:
            kind = Kind::Random;
            break;
        case 11:
            kind = Kind::Kmsg;
            break;
        default:
            return ktl::Errno::NoDeviceOrAddress;
        }
        auto file = TRY(
            ktl::try_make_ref_counted<MemoryFile>(static_cast<fs::RefPtr<fs::Inode>&&>(inode), flags, kind));
        return fs::RefPtr<fs::OpenFile>(file.ptr());
    }
};

constinit MemoryDevices memory_devices;

} // namespace

void register_memory_devices() {
    constexpr fs::CharacterDeviceInfo devices[] = {
        {"null", 1, 3, 0666},   {"zero", 1, 5, 0666},    {"full", 1, 7, 0666},
        {"random", 1, 8, 0666}, {"urandom", 1, 9, 0666}, {"kmsg", 1, 11, 0644},
    };
    for (const auto& info : devices) {
        if (auto registered = fs::register_character_device(info, memory_devices); registered.is_error())
            klog::warn("dev", "cannot register /dev/{}: {}", info.name, registered.error().name());
    }
}

} // namespace dev
