// The textual form of a function's address.
#include "pci/config_space.h"

namespace pci {

namespace {
void put_hex(char* out, uint32_t value, int digits) {
    constexpr char hex[] = "0123456789abcdef";
    for (int index = digits - 1; index >= 0; --index, value >>= 4)
        out[index] = hex[value & 0xf];
}
} // namespace

void format_address(Address address, char (&out)[13]) {
    put_hex(out, address.segment, 4);
    out[4] = ':';
    put_hex(out + 5, address.bus, 2);
    out[7] = ':';
    put_hex(out + 8, address.device, 2);
    out[10] = '.';
    put_hex(out + 11, address.function, 1);
    out[12] = '\0';
}

} // namespace pci
