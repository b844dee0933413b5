// arch/timer.h on x86-64: the PIT ticks during early boot; then a stopwatch (the HPET where ACPI
// describes one, else PIT channel 2) measures the local APIC timer and the TSC, and the tick moves to
// the APIC timer.
#include "arch/timer.h"

#include "acpi/acpi.h"
#include "acpi/hpet.h"
#include "arch/cpu.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/hpet.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/registers.h"
#include "arch/x86_64/vectors.h"
#include "console/log.h"
#include "ktl/assert.h"
#include "time/clock.h"

namespace x86_64 {

namespace {

constexpr ktl::StringView log_subsystem = "timer";

// 50 ms of the PIT's clock: long enough that a few microseconds of reading delay is noise, short
// enough not to slow the boot, and within channel 2's 16-bit count.
constexpr uint16_t calibration_pit_clocks = 59659;
constexpr uint64_t calibration_window_us = calibration_pit_clocks * 1'000'000ull / pit_base_frequency_hz;
// A window is good enough once both ends are bracketed to within 1/400 (0.25%) of it together; under
// TCG on an idle host they are about 60 us of 50 ms, while the midpoints land within 0.01%.
constexpr uint64_t tightest_bracket_divisor = 400;
constexpr int calibration_attempts = 5;
// No APIC bus, crystal or TSC runs outside this range; a result outside it is a broken measurement.
constexpr uint64_t slowest_plausible_hz = 1'000'000, fastest_plausible_hz = 100'000'000'000;

constexpr uint32_t cpuid_80000007_edx_invariant_tsc = 1u << 8;

struct Measurement {
    uint64_t apic_counts; // 0 when the APIC was not measured
    bool apic_ran_out;    // the one-shot count reached zero: the window is unusable for the APIC
    uint64_t tsc_cycles;
    uint64_t uncertainty_cycles; // how long the window's two ends could each have been, together
    uint64_t window_fs;          // the window's length by the reference clock
};

constexpr uint64_t femtoseconds_per_second = 1'000'000'000'000'000;
constexpr uint64_t calibration_window_fs = calibration_window_us * 1'000'000'000;

bool apic_is_the_tick;
uint32_t apic_counts_per_tick;
uint64_t apic_timer_hz;

void on_apic_timer_interrupt(arch::InterruptFrame&) {
    // Acknowledged first, so whatever the tick goes on to do (a scheduler switching tasks), the APIC
    // is already free to deliver the next one.
    apic_end_of_interrupt();
    time::on_timer_tick();
}

constexpr uint32_t cpuid_1_ecx_hypervisor = 1u << 31;

bool tsc_is_invariant() {
    if (cpuid(0x80000000).eax < 0x80000007)
        return false;
    return cpuid(0x80000007).edx & cpuid_80000007_edx_invariant_tsc;
}

// PIT channel 2, polled, rather than counting IRQ 0 ticks: its output reflects the PIT's own elapsed
// time whenever it is read, so a tick interrupt that arrives late or merges with the next (common under
// QEMU TCG on a busy host) cannot shorten the window, and the tick keeps running meanwhile.
Measurement measure_once_against_pit(bool with_apic) {
    uint64_t tsc_start, tsc_end, uncertainty;
    uint32_t apic_start = 0, apic_end = 0;
    arm_pit_countdown(calibration_pit_clocks);
    {
        // Readings on both sides of the write that starts the PIT, in mirrored order: their midpoints
        // are the start. Reading only after it would add the port write's own (under TCG, long) delay.
        // The bracket's width is taken outside the APIC's readings too: a host stall between an APIC
        // reading and the TSC's moves the APIC's midpoint by half the stall while the TSC's stays
        // tight (seen under TCG on a loaded host: the APIC timer measured 20% slow).
        arch::InterruptDisabler no_interrupts;
        if (with_apic)
            apic_timer_start_countdown();
        uint64_t outer_before = arch::read_cycle_counter();
        uint32_t apic_before = with_apic ? apic_timer_current_count() : 0;
        uint64_t tsc_before = arch::read_cycle_counter();
        start_pit_countdown();
        uint64_t tsc_after = arch::read_cycle_counter();
        uint32_t apic_after = with_apic ? apic_timer_current_count() : 0;
        uint64_t outer_after = arch::read_cycle_counter();
        tsc_start = tsc_before + (tsc_after - tsc_before) / 2;
        uncertainty = outer_after - outer_before;
        apic_start = apic_before - (apic_before - apic_after) / 2;
    }
    uint64_t tsc_previous = tsc_start;
    for (;;) {
        // Interrupts open between polls, closed from the readings to the poll. The readings taken just
        // before the poll that first sees the output high lie between that poll and the previous one,
        // when the count ran out: unlike readings after it, they do not add a poll's worth of delay.
        arch::InterruptDisabler no_interrupts;
        tsc_end = arch::read_cycle_counter();
        if (with_apic)
            apic_end = apic_timer_current_count();
        if (pit_countdown_finished()) {
            uncertainty += arch::read_cycle_counter() - tsc_previous;
            break;
        }
        tsc_previous = tsc_end;
    }
    if (with_apic)
        apic_timer_stop();
    return {apic_start - apic_end, with_apic && apic_end == 0, tsc_end - tsc_start, uncertainty,
            calibration_window_fs};
}

// The same window on the HPET's main counter, which states its own period and is read from memory,
// so no port write delays the start: the window is whatever the counter says elapsed.
Measurement measure_once_against_hpet(bool with_apic) {
    uint64_t window_counts = calibration_window_fs / hpet_period_fs();
    uint64_t tsc_start, hpet_start, uncertainty;
    uint32_t apic_start = 0;
    {
        arch::InterruptDisabler no_interrupts;
        if (with_apic)
            apic_timer_start_countdown();
        uint64_t outer_before = arch::read_cycle_counter();
        uint32_t apic_before = with_apic ? apic_timer_current_count() : 0;
        uint64_t tsc_before = arch::read_cycle_counter();
        hpet_start = hpet_counter();
        uint64_t tsc_after = arch::read_cycle_counter();
        uint32_t apic_after = with_apic ? apic_timer_current_count() : 0;
        uint64_t outer_after = arch::read_cycle_counter();
        tsc_start = tsc_before + (tsc_after - tsc_before) / 2;
        uncertainty = outer_after - outer_before;
        apic_start = apic_before - (apic_before - apic_after) / 2;
    }
    uint64_t tsc_end, hpet_elapsed;
    uint32_t apic_end = 0;
    for (;;) {
        arch::InterruptDisabler no_interrupts;
        uint64_t outer_before = arch::read_cycle_counter();
        uint32_t apic_before = with_apic ? apic_timer_current_count() : 0;
        uint64_t tsc_before = arch::read_cycle_counter();
        hpet_elapsed = hpet_counts_since(hpet_start);
        uint64_t tsc_after = arch::read_cycle_counter();
        uint32_t apic_after = with_apic ? apic_timer_current_count() : 0;
        uint64_t outer_after = arch::read_cycle_counter();
        if (hpet_elapsed >= window_counts) {
            tsc_end = tsc_before + (tsc_after - tsc_before) / 2;
            uncertainty += outer_after - outer_before;
            apic_end = apic_before - (apic_before - apic_after) / 2;
            break;
        }
    }
    if (with_apic)
        apic_timer_stop();
    return {apic_start - apic_end, with_apic && apic_end == 0, tsc_end - tsc_start, uncertainty,
            hpet_elapsed * hpet_period_fs()};
}

// The HPET from the ACPI tables, started; false (logged) when there is none or it does not answer.
bool start_hpet_from_acpi() {
    const acpi::AcpiTables* tables = acpi::firmware_tables();
    if (!tables)
        return false;
    auto table = tables->find("HPET");
    if (table.is_error())
        return false;
    auto description = acpi::parse_hpet(table.value());
    if (description.is_error()) {
        klog::warn(log_subsystem, "the ACPI HPET table is unusable ({})", description.error().name());
        return false;
    }
    if (auto started = start_hpet(description.value().base.address); started.is_error()) {
        klog::warn(log_subsystem, "the HPET at {:#x} does not answer ({})", description.value().base.address,
                   started.error().name());
        return false;
    }
    klog::info(log_subsystem, "HPET at {:#x}: {} fs per count", description.value().base.address,
               hpet_period_fs());
    return true;
}

// A host stall under QEMU, or an SMI on hardware, at either end of the window shows as a wide bracket
// around that end: such a window is measured again, and the tightest one kept.
Measurement measure_against_reference(bool with_apic, bool use_hpet) {
    Measurement best{};
    int attempt = 0;
    while (attempt < calibration_attempts) {
        Measurement measurement =
            use_hpet ? measure_once_against_hpet(with_apic) : measure_once_against_pit(with_apic);
        if (attempt++ == 0 || measurement.uncertainty_cycles < best.uncertainty_cycles)
            best = measurement;
        if (best.uncertainty_cycles * tightest_bracket_divisor <= best.tsc_cycles)
            break;
    }
    uint64_t uncertainty_us =
        best.tsc_cycles ? best.uncertainty_cycles * calibration_window_us / best.tsc_cycles : 0;
    klog::info(log_subsystem, "calibrated against {}: {} window(s) of {} us, ends known to {} us",
               use_hpet ? "the HPET" : "PIT channel 2", attempt, best.window_fs / 1'000'000'000,
               uncertainty_us);
    return best;
}

uint64_t rate_hz(uint64_t counts, uint64_t window_fs) {
    return static_cast<uint64_t>(static_cast<unsigned __int128>(counts) * femtoseconds_per_second /
                                 window_fs);
}

bool plausible(uint64_t hz) {
    return hz >= slowest_plausible_hz && hz <= fastest_plausible_hz;
}

arch::TimerSources pit_sources() {
    return {"PIT", pit_tick_vector(), pit_base_frequency_hz, "ticks", false, 0, false, false};
}

// Whether the measurement lets the APIC timer tick; says why not.
bool apic_measurement_usable(const Measurement& measurement, uint64_t hz) {
    if (measurement.apic_ran_out) {
        klog::warn(log_subsystem,
                   "the APIC timer's count ran out within the calibration window; keeping the PIT");
        return false;
    }
    if (!plausible(hz)) {
        klog::warn(log_subsystem, "the APIC timer measured {} Hz, which cannot be right; keeping the PIT",
                   hz);
        return false;
    }
    return true;
}

void move_tick_to_apic(uint32_t frequency_hz, uint64_t hz) {
    apic_timer_hz = hz;
    apic_counts_per_tick = static_cast<uint32_t>((hz + frequency_hz / 2) / frequency_hz);
    MUST(set_vector_handler(apic_timer_vector, on_apic_timer_interrupt));
    arch::InterruptDisabler no_interrupts; // the last PIT tick and the first APIC tick stay in order
    stop_pit();
    time::set_tick_period_ns((apic_counts_per_tick * 1'000'000'000ull + hz / 2) / hz);
    apic_is_the_tick = true;
    apic_timer_start_periodic(apic_timer_vector, apic_counts_per_tick);
}

} // namespace

} // namespace x86_64

namespace arch {

TimerSources start_periodic_timer(uint32_t frequency_hz) {
    x86_64::start_pit(frequency_hz);
    return x86_64::pit_sources();
}

TimerSources calibrate_timers(uint32_t frequency_hz, bool keep_boot_tick) {
    using namespace x86_64;
    bool with_apic = !keep_boot_tick && !initialize_local_apic().is_error();
    Measurement measurement = measure_against_reference(with_apic, start_hpet_from_acpi());

    TimerSources sources = pit_sources();
    uint64_t tsc_hz = rate_hz(measurement.tsc_cycles, measurement.window_fs);
    sources.cycle_counter_invariant = tsc_is_invariant();
    sources.cycle_counter_virtual = cpuid(1).ecx & cpuid_1_ecx_hypervisor;
    if (plausible(tsc_hz))
        sources.cycle_counter_hz = tsc_hz;
    else
        klog::warn(log_subsystem, "the TSC measured {} Hz, which cannot be right; not using it", tsc_hz);

    if (keep_boot_tick) {
        klog::info(log_subsystem, "the PIT stays the tick, as asked");
        return sources;
    }
    if (!with_apic) {
        klog::warn(log_subsystem, "no usable local APIC; the PIT stays the tick");
        return sources;
    }
    uint64_t apic_hz = rate_hz(measurement.apic_counts, measurement.window_fs);
    if (!apic_measurement_usable(measurement, apic_hz))
        return sources;
    move_tick_to_apic(frequency_hz, apic_hz);
    klog::info(log_subsystem,
               "local APIC timer counts at {} Hz (divide by {}); the tick moved to it: {} counts, vector {}",
               apic_hz, apic_timer_divisor, apic_counts_per_tick, apic_timer_vector);
    return {"local APIC timer",
            apic_timer_vector,
            apic_hz,
            "ticks + APIC timer count",
            true,
            sources.cycle_counter_hz,
            sources.cycle_counter_invariant,
            sources.cycle_counter_virtual};
}

uint64_t ns_since_last_tick() {
    using namespace x86_64;
    if (!apic_is_the_tick)
        return 0;
    // Counts down from apic_counts_per_tick; reloaded at zero as the interrupt is raised.
    uint64_t counted = apic_counts_per_tick - apic_timer_current_count();
    return counted * 1'000'000'000ull / apic_timer_hz;
}

uint64_t reference_counter_period_fs() {
    return x86_64::hpet_running() ? x86_64::hpet_period_fs() : 0;
}

uint64_t read_reference_counter() {
    return x86_64::hpet_counter();
}

uint64_t reference_counter_delta(uint64_t earlier, uint64_t later) {
    return x86_64::hpet_counts_between(earlier, later);
}

} // namespace arch
