// The table of interrupt sources, one per IDT vector: a controller line (PIC or I/O APIC) or a
// message vector, each with its handlers. One IRQ-safe lock owns the whole table, the message-vector
// allocation included (a free message slot is a free vector); handlers run under it, which is what
// makes release() wait for a running handler.
#include "irq/irq.h"

#include "arch/cpu.h"
#include "arch/interrupts.h"
#include "console/log.h"
#include "ktl/fixed_vector.h"
#include "sync/spinlock.h"

namespace irq {

struct RegistrationFactory {
    static Registration make(uint32_t id) { return Registration(id); }
};

namespace {

constexpr ktl::StringView log_subsystem = "irq";
constexpr size_t max_handlers_per_source = 4;
constexpr uint32_t nobody_cared_limit = 1000;
constexpr uint8_t no_isa_irq = 0xff;

struct Name {
    char text[name_capacity] = {};

    void assign(ktl::StringView from) {
        size_t length = from.length() < name_capacity - 1 ? from.length() : name_capacity - 1;
        for (size_t index = 0; index < length; ++index)
            text[index] = from[index];
        text[length] = '\0';
    }
    ktl::StringView view() const { return ktl::StringView(text); }
};

struct Action {
    Handler handler = nullptr;
    void* context = nullptr;
    uint32_t id = 0;
    Name name;
};

enum class Kind : uint8_t { Free, Line, Message };

struct Source {
    Kind kind = Kind::Free;
    arch::LineRoute route;
    uint8_t isa_irq = no_isa_irq; // the ISA IRQ it was asked for by, which /proc/interrupts shows
    Sharing sharing = Sharing::Exclusive;
    Name controller;            // messages: "PCI-MSI-0000:00:04.0"
    uint32_t message_index = 0; // messages: the index within the function
    ktl::FixedVector<Action, max_handlers_per_source> actions;
    uint32_t unclaimed_streak = 0;
    uint64_t unclaimed_total = 0;
    bool silenced = false; // masked after nobody_cared_limit unclaimed interrupts
};

struct Table {
    Source sources[256];
    uint32_t next_id = 1;

    uint32_t new_id() {
        uint32_t id = next_id++;
        if (next_id == 0)
            next_id = 1;
        return id;
    }
};

// ~60 KiB: static, and usable before the heap exists (the PIT's IRQ 0 is requested that early).
sync::SpinlockProtected<Table, sync::IrqSpinlock> table;

bool dispatch(uint8_t vector) {
    return table.with([&](Table& table) {
        Source& source = table.sources[vector];
        if (source.kind == Kind::Free)
            return false;
        bool claimed = false;
        for (Action& action : source.actions)
            claimed |= action.handler(action.context) == Result::Handled;
        if (claimed) {
            source.unclaimed_streak = 0;
        } else {
            ++source.unclaimed_total;
            if (++source.unclaimed_streak >= nobody_cared_limit && source.kind == Kind::Line &&
                !source.silenced) {
                source.silenced = true;
                arch::mask_line(source.route.line);
                klog::error(log_subsystem,
                            "{} {}: nobody cared ({} interrupts in a row unclaimed); masking it",
                            arch::line_controller_name(), source.route.line, nobody_cared_limit);
            }
        }
        if (source.kind == Kind::Line)
            arch::end_of_line_interrupt(source.route.line);
        else
            arch::end_of_message_interrupt();
        return true;
    });
}

ktl::ErrorOr<Registration> add_action(Table& table, uint8_t vector, Handler handler, void* context,
                                      ktl::StringView name) {
    Source& source = table.sources[vector];
    Action action;
    action.handler = handler;
    action.context = context;
    action.id = table.new_id();
    action.name.assign(name);
    if (source.actions.try_append(action).is_error())
        return ktl::Errno::NoSpace;
    return RegistrationFactory::make(action.id);
}

ktl::ErrorOr<Registration> request_line(const arch::LineRoute& route, uint8_t isa_irq, Handler handler,
                                        void* context, ktl::StringView name, Sharing sharing) {
    if (!handler)
        return ktl::Errno::InvalidArgument;
    uint8_t vector = TRY(arch::line_vector(route.line));
    return table.with([&](Table& table) -> ktl::ErrorOr<Registration> {
        Source& source = table.sources[vector];
        if (source.kind == Kind::Free) {
            TRY(arch::connect_line(route));
            source.kind = Kind::Line;
            source.route = route;
            source.isa_irq = isa_irq;
            source.sharing = sharing;
            source.unclaimed_streak = 0;
            source.silenced = false;
            auto registration = add_action(table, vector, handler, context, name);
            arch::unmask_line(route.line);
            return registration;
        }
        if (source.kind != Kind::Line || source.sharing == Sharing::Exclusive ||
            sharing == Sharing::Exclusive)
            return ktl::Errno::Busy;
        if (source.route.trigger != route.trigger || source.route.polarity != route.polarity)
            return ktl::Errno::InvalidArgument;
        auto registration = TRY(add_action(table, vector, handler, context, name));
        if (source.isa_irq == no_isa_irq)
            source.isa_irq = isa_irq;
        if (source.silenced) {
            klog::info(log_subsystem, "{} {}: a new handler; unmasking it again",
                       arch::line_controller_name(), route.line);
            source.silenced = false;
            source.unclaimed_streak = 0;
            arch::unmask_line(route.line);
        }
        return registration;
    });
}

// Linux's numbering: ISA lines by their IRQ, other lines by GSI, messages by their vector (above
// every GSI the vector layout allows).
uint32_t display_number(uint8_t vector, const Source& source) {
    if (source.kind == Kind::Message)
        return vector;
    return source.isa_irq != no_isa_irq ? source.isa_irq : source.route.line;
}

void write_counts(ktl::StringBuilder& out, uint8_t vector) {
    for (uint32_t cpu = 0; cpu < arch::online_cpu_count(); ++cpu)
        ktl::format_to(out, "{:>10} ", arch::interrupt_count_on(cpu, vector));
}

// Linux's row: number, a count per CPU, " %8s" controller, " %3u" hardware number, "-%-8s" flow
// ("edge" or "fasteoi"), then the handlers' names.
void write_source_row(ktl::StringBuilder& out, uint8_t vector, const Source& source) {
    ktl::format_to(out, "{:>3}: ", display_number(vector, source));
    write_counts(out, vector);
    bool message = source.kind == Kind::Message;
    ktl::format_to(out, " {:>8} {:>3}-{:<8}",
                   message ? source.controller.view() : ktl::StringView(arch::line_controller_name()),
                   message ? source.message_index : source.route.line,
                   !message && source.route.trigger == Trigger::Level ? "fasteoi" : "edge");
    bool first = true;
    for (const Action& action : source.actions) {
        ktl::format_to(out, "{}{}", first ? "  " : ", ", action.name.view());
        first = false;
    }
    out.write("\n");
}

void write_arch_row(ktl::StringBuilder& out, ktl::StringView label, uint8_t vector, ktl::StringView text) {
    ktl::format_to(out, "{:>3}: ", label);
    write_counts(out, vector);
    ktl::format_to(out, "  {}\n", text);
}

} // namespace

namespace {

// The vector holding the action `id`, or -1.
int find_action(const Table& table, uint32_t id, size_t& index) {
    for (unsigned vector = 0; vector < 256; ++vector) {
        const Source& source = table.sources[vector];
        for (size_t each = 0; each < source.actions.size(); ++each) {
            if (source.actions[each].id == id) {
                index = each;
                return static_cast<int>(vector);
            }
        }
    }
    return -1;
}

} // namespace

uint8_t Registration::vector() const {
    if (!m_id)
        return 0;
    return table.with([&](Table& table) {
        size_t index;
        int vector = find_action(table, m_id, index);
        return vector < 0 ? uint8_t(0) : static_cast<uint8_t>(vector);
    });
}

void Registration::release() {
    if (!m_id)
        return;
    uint32_t id = m_id;
    m_id = 0;
    table.with([&](Table& table) {
        size_t index;
        int vector = find_action(table, id, index);
        if (vector < 0)
            return;
        Source& source = table.sources[vector];
        source.actions.remove(index);
        if (!source.actions.is_empty())
            return;
        if (source.kind == Kind::Line)
            arch::mask_line(source.route.line);
        source.kind = Kind::Free;
        source.isa_irq = no_isa_irq;
        source.silenced = false;
        source.unclaimed_streak = 0;
        source.unclaimed_total = 0;
    });
}

ktl::ErrorOr<Registration> request_isa(uint8_t isa_irq, Handler handler, void* context, ktl::StringView name,
                                       Sharing sharing) {
    if (isa_irq >= 16 || isa_irq == 2)
        return ktl::Errno::InvalidArgument;
    return request_line(arch::isa_route(isa_irq), isa_irq, handler, context, name, sharing);
}

ktl::ErrorOr<Registration> request_gsi(uint32_t gsi, Trigger trigger, Polarity polarity, Handler handler,
                                       void* context, ktl::StringView name, Sharing sharing) {
    return request_line({gsi, trigger, polarity}, no_isa_irq, handler, context, name, sharing);
}

ktl::ErrorOr<Registration> request_pci_intx(const ::pci::Function& function, Handler handler, void* context,
                                            ktl::StringView name) {
    if (function.interrupt_pin == 0 || function.interrupt_pin > 4 || function.interrupt_line == 0 ||
        function.interrupt_line >= 16 || function.interrupt_line == 2)
        return ktl::Errno::NoDevice;
    // The firmware's ISA IRQ number, through the ISA overrides (QEMU's say level, active high for
    // 5, 9, 10, 11); PCI INTx is level-triggered whatever the override table says.
    arch::LineRoute route = arch::isa_route(function.interrupt_line);
    route.trigger = Trigger::Level;
    return request_line(route, function.interrupt_line, handler, context, name, Sharing::Shared);
}

ktl::ErrorOr<Registration> request_message(ktl::StringView controller, uint32_t index, Handler handler,
                                           void* context, ktl::StringView name) {
    if (!handler)
        return ktl::Errno::InvalidArgument;
    return table.with([&](Table& table) -> ktl::ErrorOr<Registration> {
        for (unsigned vector = arch::first_message_vector; vector <= arch::last_message_vector; ++vector) {
            Source& source = table.sources[vector];
            if (vector == arch::reserved_message_vector || source.kind != Kind::Free)
                continue;
            source.kind = Kind::Message;
            source.controller.assign(controller);
            source.message_index = index;
            source.sharing = Sharing::Exclusive;
            source.unclaimed_streak = 0;
            return add_action(table, static_cast<uint8_t>(vector), handler, context, name);
        }
        return ktl::Errno::NoSpace;
    });
}

void initialize() {
    arch::set_device_interrupt_handler(dispatch);
}

void start_io_apic(bool use_pic) {
    arch::InterruptDisabler no_interrupts; // no line fires between its old route and its new one
    table.with([&](Table& table) {
        // Lines connected on the PIC, to move: the PIT's IRQ 0 is the one boot has by now.
        struct Moved {
            uint8_t old_vector;
            Source source;
        };
        ktl::FixedVector<Moved, 8> moved;
        for (unsigned vector = 0; vector < 256; ++vector) {
            Source& source = table.sources[vector];
            if (source.kind != Kind::Line)
                continue;
            arch::mask_line(source.route.line);
            (void)moved.try_append(Moved{static_cast<uint8_t>(vector), source});
        }
        if (!arch::start_io_apic(use_pic)) {
            for (const Moved& line : moved)
                if (!line.source.silenced)
                    arch::unmask_line(line.source.route.line);
            return;
        }
        for (const Moved& line : moved) {
            table.sources[line.old_vector] = Source{};
            arch::LineRoute route = line.source.route;
            if (line.source.isa_irq != no_isa_irq)
                route = arch::isa_route(line.source.isa_irq);
            auto vector = arch::line_vector(route.line);
            if (vector.is_error() || arch::connect_line(route).is_error()) {
                klog::error(log_subsystem, "line {} has no place on the I/O APIC: its handlers are lost",
                            route.line);
                continue;
            }
            Source& target = table.sources[vector.value()];
            target = line.source;
            target.route = route;
            arch::unmask_line(route.line);
        }
    });
}

void write_proc_interrupts(ktl::StringBuilder& out) {
    // Header: Linux's 3 + 8 spaces, then "CPU0" and its fellows in their 11-wide columns.
    out.write("           ");
    for (uint32_t cpu = 0; cpu < arch::online_cpu_count(); ++cpu)
        ktl::format_to(out, "CPU{:<8}", cpu);
    out.write("\n");
    table.with([&](Table& table) {
        // Lines in their Linux number's order, then the messages by vector.
        uint32_t previous = 0;
        bool any = false;
        for (;;) {
            int best = -1;
            for (unsigned vector = 0; vector < 256; ++vector) {
                const Source& source = table.sources[vector];
                if (source.kind != Kind::Line)
                    continue;
                uint32_t number = display_number(static_cast<uint8_t>(vector), source);
                if ((any && number <= previous) ||
                    (best >= 0 && number >= display_number(static_cast<uint8_t>(best), table.sources[best])))
                    continue;
                best = static_cast<int>(vector);
            }
            if (best < 0)
                break;
            write_source_row(out, static_cast<uint8_t>(best), table.sources[best]);
            previous = display_number(static_cast<uint8_t>(best), table.sources[best]);
            any = true;
        }
        for (unsigned vector = 0; vector < 256; ++vector)
            if (table.sources[vector].kind == Kind::Message)
                write_source_row(out, static_cast<uint8_t>(vector), table.sources[vector]);
    });
    write_arch_row(out, "NMI", 2, "Non-maskable interrupts");
    write_arch_row(out, "LOC", arch::local_timer_vector, "Local timer interrupts");
    write_arch_row(out, "SPU", arch::spurious_vector, "Spurious interrupts");
    ktl::format_to(out, "{:>3}: {:>10}\n", "ERR", 0);
}

uint64_t isa_interrupt_count(uint8_t isa_irq) {
    auto vector = arch::line_vector(arch::isa_route(isa_irq).line);
    return vector.is_error() ? 0 : arch::interrupt_count(vector.value());
}

uint64_t unclaimed_count(uint8_t vector) {
    return table.with([&](Table& table) { return table.sources[vector].unclaimed_total; });
}

bool silenced(uint8_t vector) {
    return table.with([&](Table& table) { return table.sources[vector].silenced; });
}

} // namespace irq
