// PciPattern: the driver match format inherited from the seed,
//
//     "vendor device subvendor subdevice class classmask"
//
// Fields are separated by spaces or tabs. Each is `*` (anything) or a number: decimal, or with a
// `0x`, `0b` or `0o` prefix (hex, binary, octal; `0X`/`0B`/`0O` too). Ids are 16 bits; class and
// classmask are 24 bits, class << 16 | subclass << 8 | prog-if, as in Linux's pci_device_id.
//
// Documented choices:
//  * Trailing fields may be left out and then match anything: "8086 0x100e" is a valid pattern. At least
//    one field is required; more than six is an error.
//  * A class with the mask `*` or left out must match all 24 bits; a mask of 0xffff00 ignores prog-if.
//    A mask with a `*` class matches anything (the class is not compared).
//  * Errors: InvalidArgument for a malformed number, an empty pattern or too many fields; OutOfRange for
//    a number too wide for its field.
#pragma once

#include "ktl/error_or.h"
#include "ktl/string_view.h"
#include "pci/function.h"

#include <cstdint>

namespace pci {

class PciPattern {
public:
    static ktl::ErrorOr<PciPattern> parse(ktl::StringView text);

    bool matches(const Function&) const;

    // A field is `present` when the pattern compares it; otherwise it was `*` or left out.
    struct Field {
        bool present = false;
        uint32_t value = 0;
    };
    Field vendor_id() const { return m_vendor; }
    Field device_id() const { return m_device; }
    Field subsystem_vendor_id() const { return m_subvendor; }
    Field subsystem_id() const { return m_subdevice; }
    Field class_triple() const { return m_class; }
    uint32_t class_mask() const { return m_class_mask; }

private:
    Field m_vendor;
    Field m_device;
    Field m_subvendor;
    Field m_subdevice;
    Field m_class;
    uint32_t m_class_mask = 0xffffff;
};

} // namespace pci
