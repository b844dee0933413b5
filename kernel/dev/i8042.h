// The i8042 PS/2 controller and the keyboard on its first port. Set up once at boot (self-test,
// translation to scancode set 1 on, keyboard reset, typematic rate); afterwards IRQ 1 queues the
// keyboard's bytes for a task to take, as the COM1 receive interrupt does for the serial terminal.
#pragma once

#include "sched/wait_queue.h"

#include <cstddef>
#include <cstdint>

namespace dev::i8042 {

// Probes the controller unless the FADT says there is none, resets the keyboard and enables IRQ 1.
// False (logged, not fatal) when no controller or keyboard answers. Needs interrupts, the clock and
// the ACPI tables; call once.
bool initialize_keyboard();
bool keyboard_present();

// Takes up to `capacity` queued scancode bytes (set 1); returns how many.
size_t take_scancodes(uint8_t* bytes, size_t capacity);
bool has_scancodes();
// Woken when the interrupt queues bytes.
sched::WaitQueue& scancodes_ready();

// Sets the keyboard LEDs (input::led_* bits). Task context: it waits for the keyboard's answers.
void set_leds(uint8_t leds);

} // namespace dev::i8042
