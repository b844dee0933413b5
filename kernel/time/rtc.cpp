// The MC146818-compatible CMOS RTC at ports 0x70 (index) and 0x71 (data), and the wall clock built on
// it: realtime = monotonic_ns() + an offset fixed when the RTC was read. One 64-bit offset, read and
// written atomically, so realtime_ns() needs no lock and cannot see half of an update.
//
// Documented choices:
//  * Port 0x70's bit 7 masks NMIs on PC chipsets. The kernel keeps NMIs enabled and nothing else writes
//    that port, so every index is written with bit 7 clear (as Linux does): there is no other state to
//    preserve, and the port is write-only on most chipsets so it could not be read back anyway.
//  * The index write and the data read happen under one IrqSpinlock, so no interrupt handler or other
//    CPU can move the index in between.
//  * Waiting for "update in progress" is bounded by a count of port reads, not by a clock: it has to
//    work whatever the monotonic clock's state, including with interrupts off.
#include "time/rtc.h"

#include "acpi/acpi.h"
#include "acpi/fadt.h"
#include "arch/io.h"
#include "console/log.h"
#include "sync/spinlock.h"
#include "time/clock.h"
#include "time/clock_page.h"

namespace time {

namespace {

constexpr ktl::StringView log_subsystem = "rtc";

constexpr uint16_t cmos_index_port = 0x70, cmos_data_port = 0x71;
constexpr uint8_t nmi_enable_index_bits = 0x00; // bit 7 clear: NMIs stay enabled (see above)

enum class CmosRegister : uint8_t {
    Seconds = 0x00,
    Minutes = 0x02,
    Hours = 0x04,
    DayOfMonth = 0x07,
    Month = 0x08,
    Year = 0x09,
    StatusA = 0x0a,
    StatusB = 0x0b,
};
constexpr uint8_t status_a_update_in_progress = 1u << 7;
// The registers above 0x0d are battery-backed RAM; a century index must be one of them and below 0x80,
// where bit 7 would be the NMI mask.
constexpr uint8_t first_cmos_ram_index = 0x0e, cmos_index_limit = 0x80;

// An update keeps UIP set for at most ~2 ms (244 us of warning plus the update). A CMOS read costs about
// a microsecond on hardware and no less than ~0.1 us under QEMU, so this is 10 ms or more everywhere.
constexpr int max_update_wait_reads = 100'000;
// Two passes agree unless an update lands between them; more than a few disagreements means a broken RTC.
constexpr int max_register_passes = 6;

constexpr uint64_t ns_per_second = 1'000'000'000;

sync::IrqSpinlock cmos_lock;

uint8_t read_cmos(uint8_t index) {
    sync::SpinlockGuard guard(cmos_lock);
    arch::out8(cmos_index_port, index | nmi_enable_index_bits);
    return arch::in8(cmos_data_port);
}

uint8_t read_cmos(CmosRegister index) {
    return read_cmos(static_cast<uint8_t>(index));
}

ktl::ErrorOr<void> wait_while_update_in_progress() {
    for (int read = 0; read < max_update_wait_reads; ++read)
        if (!(read_cmos(CmosRegister::StatusA) & status_a_update_in_progress))
            return {};
    return ktl::Errno::TimedOut; // no RTC answers (an absent one reads as 0xff), or it is stuck
}

// The FADT's century register when it names a plausible one, else 0 (the year is taken as 20xx).
uint8_t century_register_index() {
    auto fadt = acpi::firmware_fadt();
    if (fadt.is_error())
        return 0;
    uint8_t index = fadt.value().century_register;
    if (index != 0 && (index < first_cmos_ram_index || index >= cmos_index_limit)) {
        klog::warn(log_subsystem, "ignoring the FADT's century register {:#x}: not a CMOS RAM index", index);
        return 0;
    }
    return index;
}

bool firmware_says_no_rtc() {
    auto fadt = acpi::firmware_fadt();
    return !fadt.is_error() && fadt.value().cmos_rtc_not_present();
}

calendar::RtcRegisters read_registers_once(uint8_t century_index) {
    calendar::RtcRegisters registers;
    registers.seconds = read_cmos(CmosRegister::Seconds);
    registers.minutes = read_cmos(CmosRegister::Minutes);
    registers.hours = read_cmos(CmosRegister::Hours);
    registers.day_of_month = read_cmos(CmosRegister::DayOfMonth);
    registers.month = read_cmos(CmosRegister::Month);
    registers.year = read_cmos(CmosRegister::Year);
    registers.status_b = read_cmos(CmosRegister::StatusB);
    registers.has_century = century_index != 0;
    if (registers.has_century)
        registers.century = read_cmos(century_index);
    return registers;
}

// Two consecutive passes, each after any update, that read the same: no update tore either.
ktl::ErrorOr<calendar::RtcRegisters> read_settled_registers() {
    uint8_t century_index = century_register_index();
    TRY(wait_while_update_in_progress());
    calendar::RtcRegisters previous = read_registers_once(century_index);
    for (int pass = 1; pass < max_register_passes; ++pass) {
        TRY(wait_while_update_in_progress());
        calendar::RtcRegisters current = read_registers_once(century_index);
        if (current == previous)
            return current;
        previous = current;
    }
    return ktl::Errno::IoError;
}

// realtime_ns() - monotonic_ns(), as an unsigned value that wraps: realtime may be set below monotonic.
uint64_t realtime_offset_ns;
bool realtime_initialized;
// Only so two first users do not both read the RTC. Taken before cmos_lock, never inside it; IRQ-safe so
// even an interrupt handler may be the first user.
sync::IrqSpinlock initialization_lock;

void set_offset_for(uint64_t realtime, uint64_t monotonic) {
    __atomic_store_n(&realtime_offset_ns, realtime - monotonic, __ATOMIC_RELAXED);
    publish_realtime_offset(realtime - monotonic); // the vDSO's CLOCK_REALTIME follows
    __atomic_store_n(&realtime_initialized, true, __ATOMIC_RELEASE);
}

void initialize_on_first_use() {
    if (!__atomic_load_n(&realtime_initialized, __ATOMIC_ACQUIRE)) {
        sync::SpinlockGuard guard(initialization_lock);
        if (!__atomic_load_n(&realtime_initialized, __ATOMIC_ACQUIRE))
            initialize_realtime_clock();
    }
}

} // namespace

ktl::ErrorOr<calendar::CivilTime> read_rtc() {
    if (firmware_says_no_rtc())
        return ktl::Errno::NoDevice;
    calendar::RtcRegisters registers = TRY(read_settled_registers());
    return calendar::decode_rtc(registers);
}

ktl::ErrorOr<int64_t> read_rtc_seconds() {
    calendar::CivilTime now = TRY(read_rtc());
    int64_t seconds = TRY(calendar::seconds_since_epoch(now));
    // uint64_t nanoseconds reach 2554; a later RTC year is garbage that happens to decode.
    if (seconds < 0 || static_cast<uint64_t>(seconds) > UINT64_MAX / ns_per_second)
        return ktl::Errno::OutOfRange;
    return seconds;
}

void initialize_realtime_clock() {
    auto seconds = read_rtc_seconds();
    uint64_t monotonic = monotonic_ns();
    if (seconds.is_error()) {
        klog::warn(log_subsystem, "cannot read the CMOS clock ({}): wall-clock time starts at 1970-01-01",
                   seconds.error().name());
        set_offset_for(0, monotonic);
        return;
    }
    set_offset_for(static_cast<uint64_t>(seconds.value()) * ns_per_second, monotonic);
    calendar::CivilTime time = calendar::civil_time_from_seconds(seconds.value()).value();
    uint8_t century_index = century_register_index();
    klog::info(log_subsystem, "wall clock from the CMOS RTC: {}-{:02}-{:02} {:02}:{:02}:{:02} UTC ({})",
               time.date.year, time.date.month, time.date.day, time.hour, time.minute, time.second,
               century_index != 0 ? "century from the FADT's CMOS register" : "no century register: 20xx");
}

uint64_t realtime_ns() {
    initialize_on_first_use();
    return monotonic_ns() + __atomic_load_n(&realtime_offset_ns, __ATOMIC_RELAXED);
}

uint64_t realtime_coarse_ns() {
    initialize_on_first_use();
    return coarse_realtime_ns();
}

void set_realtime_ns(uint64_t ns) {
    set_offset_for(ns, monotonic_ns());
}

} // namespace time
