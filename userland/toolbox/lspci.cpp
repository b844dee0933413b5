// lspci: the PCI functions as Linux's sysfs shows them (/sys/bus/pci/devices/<domain:bus:dev.fn>/…),
// printed as pciutils' lspci prints them, so it runs unchanged on Linux. Names come from the compact
// pci.ids that tools/pciids writes (docs/pci.md). Everything read is hostile: a short or odd file
// leaves a field unknown, never a read past what was read.
#include "toolbox.h"
#include "toolbox/pci_ids.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace toolbox {

namespace {

constexpr const char* default_sysfs = "/sys/bus/pci";
constexpr const char* default_names = "/usr/share/misc/pci.ids.compact";

struct Resource {
    uint64_t start = 0, end = 0, flags = 0;
    // As pciutils reads sysfs: a one-byte region (legacy IDE's control port) has no size.
    uint64_t size() const { return end > start ? end - start + 1 : 0; }
};

struct Function {
    unsigned domain = 0, bus = 0, device = 0, function = 0;
    uint16_t vendor = 0, device_id = 0, subvendor = 0, subdevice = 0;
    uint32_t class_code = 0; // class, subclass, prog-if
    uint8_t revision = 0;
    unsigned irq = 0;
    Resource resources[7]; // six BARs and the ROM
    uint8_t config[4096];
    size_t config_size = 0;
    char driver[64] = "";
    char name[32] = ""; // the sysfs directory name

    uint8_t config8(size_t offset) const { return offset < config_size ? config[offset] : 0; }
    uint16_t config16(size_t offset) const { return uint16_t(config8(offset) | config8(offset + 1) << 8); }
    uint32_t config32(size_t offset) const { return config16(offset) | uint32_t(config16(offset + 2)) << 16; }
    uint8_t header_type() const { return config8(0x0e) & 0x7f; }
};

// -s [[[domain]:]bus:][dev][.[fn]] and -d [vendor]:[device][:class[:prog-if]]; -1 is "any".
struct Filter {
    long domain = -1, bus = -1, device = -1, function = -1;
    long vendor = -1, device_id = -1, class_code = -1, prog_if = -1;
};

struct Options {
    int numeric = 0; // -n once: numbers only; twice: names and numbers
    int verbose = 0;
    bool kernel = false, domains = false;
    const char* sysfs = default_sysfs;
    const char* names_path = default_names;
    Filter filter;
};

pci_ids::Names names;

// Reads a small sysfs text file into `text` (NUL-terminated); false when it cannot.
bool read_text(const char* directory, const char* file, char* text, size_t size) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", directory, file);
    FILE* stream = fopen(path, "r");
    if (!stream)
        return false;
    size_t length = fread(text, 1, size - 1, stream);
    fclose(stream);
    text[length] = '\0';
    return length > 0;
}

bool read_number(const char* directory, const char* file, unsigned long long& value) {
    char text[64];
    if (!read_text(directory, file, text, sizeof text))
        return false;
    char* end;
    errno = 0;
    value = strtoull(text, &end, 0);
    return errno == 0 && end != text;
}

void read_function(const char* directory, Function& function) {
    unsigned long long value;
    if (read_number(directory, "vendor", value))
        function.vendor = static_cast<uint16_t>(value);
    if (read_number(directory, "device", value))
        function.device_id = static_cast<uint16_t>(value);
    if (read_number(directory, "subsystem_vendor", value))
        function.subvendor = static_cast<uint16_t>(value);
    if (read_number(directory, "subsystem_device", value))
        function.subdevice = static_cast<uint16_t>(value);
    if (read_number(directory, "class", value))
        function.class_code = static_cast<uint32_t>(value & 0xffffff);
    if (read_number(directory, "revision", value))
        function.revision = static_cast<uint8_t>(value);
    if (read_number(directory, "irq", value))
        function.irq = static_cast<unsigned>(value);
    char text[2048];
    if (read_text(directory, "resource", text, sizeof text)) {
        char* line = text;
        for (Resource& resource : function.resources) {
            char* end;
            resource.start = strtoull(line, &end, 16);
            resource.end = strtoull(end, &end, 16);
            resource.flags = strtoull(end, &end, 16);
            if (resource.end < resource.start)
                resource = {};
            line = strchr(end, '\n');
            if (!line)
                break;
            ++line;
        }
    }
    char path[512];
    snprintf(path, sizeof path, "%s/config", directory);
    if (FILE* stream = fopen(path, "rb")) {
        function.config_size = fread(function.config, 1, sizeof function.config, stream);
        fclose(stream);
    }
    snprintf(path, sizeof path, "%s/driver", directory);
    char target[512];
    ssize_t length = readlink(path, target, sizeof target - 1);
    if (length > 0) {
        target[length] = '\0';
        const char* base = strrchr(target, '/');
        snprintf(function.driver, sizeof function.driver, "%s", base ? base + 1 : target);
    }
}

// "dddd:bb:dd.f", hex; false for anything else.
bool parse_address(const char* name, Function& function) {
    char extra;
    return sscanf(name, "%4x:%2x:%2x.%1x%c", &function.domain, &function.bus, &function.device,
                  &function.function, &extra) == 4 &&
           function.device < 32 && function.function < 8;
}

// One hex field of a filter: empty or "*" is any; false when it is not a number that fits.
bool parse_field(const char* text, size_t length, unsigned long limit, long& out) {
    if (length == 0 || (length == 1 && text[0] == '*')) {
        out = -1;
        return true;
    }
    unsigned long value = 0;
    for (size_t i = 0; i < length; ++i) {
        char c = text[i];
        int digit = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
        if (digit < 0 || value > limit)
            return false;
        value = value * 16 + digit;
    }
    if (value > limit)
        return false;
    out = static_cast<long>(value);
    return true;
}

// Splits `text` at `separator` into at most `count` fields; false when there are more.
size_t split(const char* text, char separator, const char* starts[], size_t lengths[], size_t count) {
    size_t fields = 0;
    const char* start = text;
    for (;;) {
        const char* end = strchr(start, separator);
        if (fields == count)
            return count + 1;
        starts[fields] = start;
        lengths[fields] = end ? size_t(end - start) : strlen(start);
        ++fields;
        if (!end)
            return fields;
        start = end + 1;
    }
}

bool parse_slot_filter(const char* text, Filter& filter) {
    const char* dot = strchr(text, '.');
    const char* starts[3];
    size_t lengths[3];
    size_t before_dot = dot ? size_t(dot - text) : strlen(text);
    char head[64];
    if (before_dot >= sizeof head)
        return false;
    memcpy(head, text, before_dot);
    head[before_dot] = '\0';
    size_t fields = split(head, ':', starts, lengths, 3);
    if (fields > 3)
        return false;
    // The last field before the dot is the slot, the one before it the bus, then the domain.
    long* targets[3] = {&filter.device, &filter.bus, &filter.domain};
    unsigned long limits[3] = {0x1f, 0xff, 0xffff};
    for (size_t i = 0; i < fields; ++i) {
        size_t field = fields - 1 - i;
        if (!parse_field(starts[field], lengths[field], limits[i], *targets[i]))
            return false;
    }
    if (dot && !parse_field(dot + 1, strlen(dot + 1), 7, filter.function))
        return false;
    return true;
}

bool parse_id_filter(const char* text, Filter& filter) {
    const char* starts[4];
    size_t lengths[4];
    size_t fields = split(text, ':', starts, lengths, 4);
    if (fields < 2 || fields > 4)
        return false;
    long* targets[4] = {&filter.vendor, &filter.device_id, &filter.class_code, &filter.prog_if};
    unsigned long limits[4] = {0xffff, 0xffff, 0xffff, 0xff};
    for (size_t i = 0; i < fields; ++i)
        if (!parse_field(starts[i], lengths[i], limits[i], *targets[i]))
            return false;
    return true;
}

bool selected(const Filter& filter, const Function& function) {
    auto fits = [](long wanted, unsigned long value) {
        return wanted < 0 || static_cast<unsigned long>(wanted) == value;
    };
    return fits(filter.domain, function.domain) && fits(filter.bus, function.bus) &&
           fits(filter.device, function.device) && fits(filter.function, function.function) &&
           fits(filter.vendor, function.vendor) && fits(filter.device_id, function.device_id) &&
           fits(filter.class_code, function.class_code >> 8) &&
           fits(filter.prog_if, function.class_code & 0xff);
}

// pciutils' class text: the subclass's name, else the class's with the number, else the number.
void print_class(const Options& options, uint32_t class_code) {
    uint8_t base = class_code >> 16, sub = (class_code >> 8) & 0xff;
    if (options.numeric == 1) {
        printf("%04x", base << 8 | sub);
        return;
    }
    const char* subclass = names.subclass(base, sub);
    const char* name = names.class_name(base);
    if (!subclass && !name && options.numeric != 2) {
        printf("Class %04x", base << 8 | sub);
        return;
    }
    printf("%s", subclass ? subclass : name ? name : "Class");
    // The number follows an unknown subclass always, and with -nn every name.
    if (options.numeric == 2 || !subclass)
        printf(" [%04x]", base << 8 | sub);
}

// "Vendor Device", "Vendor Device 1234" or "Device 1234:5678"; -nn appends the numbers.
void print_vendor_device(const Options& options, uint16_t vendor, uint16_t device, const char* device_name) {
    if (options.numeric == 1) {
        printf("%04x:%04x", vendor, device);
        return;
    }
    const char* vendor_name = names.vendor(vendor);
    bool mixed = options.numeric == 2; // the numbers follow in brackets, not in the name
    if (vendor_name && device_name)
        printf("%s %s", vendor_name, device_name);
    else if (vendor_name && mixed)
        printf("%s Device", vendor_name);
    else if (vendor_name)
        printf("%s Device %04x", vendor_name, device);
    else if (mixed)
        printf("Device");
    else
        printf("Device %04x:%04x", vendor, device);
    if (mixed)
        printf(" [%04x:%04x]", vendor, device);
}

void print_address(const Options& options, const Function& function) {
    if (options.domains || function.domain != 0)
        printf("%04x:", function.domain);
    printf("%02x:%02x.%x", function.bus, function.device, function.function);
}

void print_terse(const Options& options, const Function& function) {
    print_address(options, function);
    printf(" ");
    print_class(options, function.class_code);
    printf(": ");
    print_vendor_device(options, function.vendor, function.device_id,
                        names.device(function.vendor, function.device_id));
    if (function.revision)
        printf(" (rev %02x)", function.revision);
    if (options.verbose) {
        uint8_t prog_if = function.class_code & 0xff;
        // Named even with -n, as pciutils does.
        const char* name =
            names.prog_if(function.class_code >> 16, (function.class_code >> 8) & 0xff, prog_if);
        if (prog_if || name) {
            printf(" (prog-if %02x", prog_if);
            if (name)
                printf(" [%s]", name);
            printf(")");
        }
    }
    printf("\n");
}

void print_subsystem(const Options& options, const Function& function, uint16_t subvendor,
                     uint16_t subdevice) {
    if (subvendor == 0 || subvendor == 0xffff)
        return;
    printf("\tSubsystem: ");
    print_vendor_device(options, subvendor, subdevice,
                        names.subsystem(function.vendor, function.device_id, subvendor, subdevice));
    printf("\n");
}

// " [size=4K]": the largest unit that divides the size exactly.
void print_size(uint64_t size) {
    if (!size)
        return;
    const char* units[] = {"", "K", "M", "G", "T"};
    int unit = 0;
    while (unit < 4 && size % 1024 == 0) {
        size /= 1024;
        ++unit;
    }
    printf(" [size=%llu%s]", static_cast<unsigned long long>(size), units[unit]);
}

constexpr uint16_t command_io = 0x1, command_memory = 0x2, command_master = 0x4;

void print_bars(const Function& function, int count) {
    uint16_t command = function.config16(0x04);
    for (int i = 0; i < count; ++i) {
        const Resource& resource = function.resources[i];
        // What the OS assigned, with the BAR's low flag bits as Linux keeps them in `flags`.
        uint64_t position = resource.start | (resource.flags & 0xf);
        uint64_t size = resource.size();
        uint32_t hardware = function.config_size >= 0x10 + 4u * (i + 1) ? function.config32(0x10 + 4 * i) : 0;
        if (hardware == 0xffffffff)
            hardware = 0;
        if (!resource.start && !hardware && !size)
            continue;
        // Linux's IORESOURCE_IO says what the region is, also where the BAR reads 0 (legacy IDE
        // ports); only a region with neither is taken as the OS's own ("virtual").
        constexpr uint64_t resource_io = 0x100, resource_memory = 0x200;
        bool is_io = resource.flags ? (resource.flags & resource_io) != 0 : (hardware & 1) != 0;
        uint32_t flags = hardware;
        bool is_virtual = resource.start && !hardware && !(resource.flags & (resource_io | resource_memory));
        if (is_virtual)
            flags = static_cast<uint32_t>(position);
        printf("\t");
        if (is_io) {
            uint64_t address = position & ~uint64_t(3);
            printf("I/O ports at ");
            if (address || (command & command_io))
                printf("%04llx", static_cast<unsigned long long>(address));
            else
                printf("<unassigned>");
            if (is_virtual)
                printf(" [virtual]");
            else if (!(command & command_io))
                printf(" [disabled]");
        } else {
            uint32_t type = (flags >> 1) & 3;
            uint64_t address = position & ~uint64_t(0xf);
            printf("Memory at ");
            if (address)
                printf("%08llx", static_cast<unsigned long long>(address));
            else
                printf("<unassigned>");
            printf(" (%s, %sprefetchable)",
                   type == 0   ? "32-bit"
                   : type == 2 ? "64-bit"
                   : type == 1 ? "low-1M"
                               : "type 3",
                   flags & 8 ? "" : "non-");
            if (is_virtual)
                printf(" [virtual]");
            else if (!(command & command_memory))
                printf(" [disabled]");
            if (type == 2)
                ++i; // the upper half
        }
        print_size(size);
        printf("\n");
    }
}

void print_rom(const Function& function, size_t reg) {
    const Resource& rom = function.resources[6];
    uint32_t hardware = function.config32(reg);
    if (hardware == 0xffffffff)
        hardware = 0;
    if (!rom.start && !hardware && !rom.size())
        return;
    constexpr uint32_t address_mask = 0xfffff800;
    bool is_virtual = (rom.start & address_mask) && !(hardware & address_mask);
    uint32_t flags = is_virtual ? static_cast<uint32_t>(rom.start) : hardware;
    printf("\tExpansion ROM at ");
    if (rom.start & address_mask)
        printf("%08llx", static_cast<unsigned long long>(rom.start & address_mask));
    else if (hardware & address_mask)
        printf("<ignored>");
    else
        printf("<unassigned>");
    if (is_virtual)
        printf(" [virtual]");
    if (!(flags & 1))
        printf(" [disabled]");
    else if (!is_virtual && !(function.config16(0x04) & command_memory))
        printf(" [disabled by cmd]");
    print_size(rom.size());
    printf("\n");
}

// A wide window whose addresses fit in fewer bits is shown at the narrower width, as pciutils does.
void print_range(const char* what, uint64_t base, uint64_t limit, int bits) {
    if (bits == 64 && limit >> 32 == 0)
        bits = 32;
    printf("\t%s:", what);
    if (base <= limit) {
        printf(" %0*llx-%0*llx", (bits + 3) / 4, static_cast<unsigned long long>(base), (bits + 3) / 4,
               static_cast<unsigned long long>(limit));
        print_size(limit - base + 1);
    } else {
        printf(" [disabled]");
    }
    printf(" [%d-bit]\n", bits);
}

void print_bridge(const Function& function) {
    printf("\tBus: primary=%02x, secondary=%02x, subordinate=%02x, sec-latency=%d\n", function.config8(0x18),
           function.config8(0x19), function.config8(0x1a), function.config8(0x1b));
    uint8_t io_base = function.config8(0x1c), io_limit = function.config8(0x1d);
    if ((io_base & 0xf) != (io_limit & 0xf) || (io_base & 0xf) > 1) {
        printf("\t!!! Unknown I/O range types %x/%x\n", io_base, io_limit);
    } else {
        bool wide = io_base & 1;
        uint64_t base = uint64_t(io_base & 0xf0) << 8, limit = uint64_t(io_limit & 0xf0) << 8;
        if (wide) {
            base |= uint64_t(function.config16(0x30)) << 16;
            limit |= uint64_t(function.config16(0x32)) << 16;
        }
        print_range("I/O behind bridge", base, limit | 0xfff, wide ? 32 : 16);
    }
    uint16_t memory_base = function.config16(0x20), memory_limit = function.config16(0x22);
    if ((memory_base & 0xf) || (memory_limit & 0xf))
        printf("\t!!! Unknown memory range types %x/%x\n", memory_base, memory_limit);
    else
        print_range("Memory behind bridge", uint64_t(memory_base & 0xfff0) << 16,
                    (uint64_t(memory_limit & 0xfff0) << 16) | 0xfffff, 32);
    uint16_t prefetch_base = function.config16(0x24), prefetch_limit = function.config16(0x26);
    if ((prefetch_base & 0xf) != (prefetch_limit & 0xf) || (prefetch_base & 0xf) > 1) {
        printf("\t!!! Unknown prefetchable memory range types %x/%x\n", prefetch_base, prefetch_limit);
    } else {
        bool wide = prefetch_base & 1;
        uint64_t base = uint64_t(prefetch_base & 0xfff0) << 16;
        uint64_t limit = (uint64_t(prefetch_limit & 0xfff0) << 16) | 0xfffff;
        if (wide) {
            base |= uint64_t(function.config32(0x28)) << 32;
            limit |= uint64_t(function.config32(0x2c)) << 32;
        }
        print_range("Prefetchable memory behind bridge", base, limit, wide ? 64 : 32);
    }
}

const char* virtio_structure(uint8_t type) {
    switch (type) {
    case 1:
        return "CommonCfg";
    case 2:
        return "Notify";
    case 3:
        return "ISR";
    case 4:
        return "DeviceCfg";
    default:
        return "<unknown>";
    }
}

const char* express_type(uint8_t type) {
    switch (type) {
    case 0:
        return "Endpoint";
    case 1:
        return "Legacy Endpoint";
    case 4:
        return "Root Port";
    case 5:
        return "Upstream Port";
    case 6:
        return "Downstream Port";
    case 7:
        return "PCI-Express to PCI/PCI-X Bridge";
    case 8:
        return "PCI/PCI-X to PCI-Express Bridge";
    case 9:
        return "Root Complex Integrated Endpoint";
    case 10:
        return "Root Complex Event Collector";
    default:
        return nullptr;
    }
}

// One line per capability in list order, as lspci -v summarises them.
void print_capabilities(const Options& options, const Function& function) {
    if (!(function.config16(0x06) & 0x10))
        return;
    if (function.config_size < 256) {
        printf("\tCapabilities: <access denied>\n");
        return;
    }
    bool seen[256] = {};
    bool express = false;
    for (uint8_t at = function.config8(0x34) & 0xfc; at; at = function.config8(at + 1) & 0xfc) {
        if (seen[at]) {
            printf("\t[%02x] <chain looped>\n", at);
            break;
        }
        seen[at] = true;
        printf("\tCapabilities: [%02x] ", at);
        uint8_t id = function.config8(at);
        switch (id) {
        case 0x01:
            printf("Power Management version %d\n", function.config16(at + 2) & 7);
            break;
        case 0x04: {
            uint8_t slots = function.config8(at + 2);
            printf("Slot ID: %d slots, First%c, chassis %02x\n", slots & 0x1f, slots & 0x20 ? '+' : '-',
                   function.config8(at + 3));
            break;
        }
        case 0x05: {
            uint16_t control = function.config16(at + 2);
            printf("MSI: Enable%c Count=%d/%d Maskable%c 64bit%c\n", control & 1 ? '+' : '-',
                   1 << ((control >> 4) & 7), 1 << ((control >> 1) & 7), control & 0x100 ? '+' : '-',
                   control & 0x80 ? '+' : '-');
            break;
        }
        case 0x09:
            printf("Vendor Specific Information: ");
            if (function.vendor == 0x1af4 && function.device_id >= 0x1000 && function.device_id <= 0x107f)
                printf("VirtIO: %s\n", virtio_structure(function.config8(at + 3)));
            else
                printf("Len=%02x <?>\n", function.config8(at + 2));
            break;
        case 0x0c:
            printf("Hot-plug capable\n");
            break;
        case 0x0d:
            printf("Subsystem: ");
            print_vendor_device(options, function.config16(at + 4), function.config16(at + 6),
                                names.subsystem(function.vendor, function.device_id,
                                                function.config16(at + 4), function.config16(at + 6)));
            printf("\n");
            break;
        case 0x10: {
            express = true;
            uint16_t flags = function.config16(at + 2);
            const char* type = express_type((flags >> 4) & 0xf);
            printf("Express (v%d) ", flags & 0xf);
            if (type)
                printf("%s", type);
            else
                printf("Unknown type %d", (flags >> 4) & 0xf);
            if (((flags >> 4) & 0xf) == 4 || ((flags >> 4) & 0xf) == 6)
                printf(" (Slot%c)", flags & 0x100 ? '+' : '-');
            printf(", MSI %02x\n", (flags >> 9) & 0x1f);
            break;
        }
        case 0x11: {
            uint16_t control = function.config16(at + 2);
            printf("MSI-X: Enable%c Count=%d Masked%c\n", control & 0x8000 ? '+' : '-', (control & 0x7ff) + 1,
                   control & 0x4000 ? '+' : '-');
            break;
        }
        default:
            printf("Capability ID %#02x\n", id);
            break;
        }
    }
    if (!express || function.config_size <= 256)
        return;
    bool seen_extended[4096 / 4] = {};
    for (uint16_t at = 0x100; at;) {
        uint32_t header = function.config32(at);
        if (header == 0 || header == 0xffffffff || seen_extended[at / 4])
            break;
        seen_extended[at / 4] = true;
        uint16_t id = header & 0xffff;
        printf("\tCapabilities: [%03x v%d] ", at, (header >> 16) & 0xf);
        switch (id) {
        case 0x0001:
            printf("Advanced Error Reporting\n");
            break;
        case 0x0002:
            printf("Virtual Channel\n");
            break;
        case 0x0003:
            printf("Device Serial Number %02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x\n",
                   function.config8(at + 11), function.config8(at + 10), function.config8(at + 9),
                   function.config8(at + 8), function.config8(at + 7), function.config8(at + 6),
                   function.config8(at + 5), function.config8(at + 4));
            break;
        case 0x000d:
            printf("Access Control Services\n");
            break;
        case 0x000e:
            printf("Alternative Routing-ID Interpretation (ARI)\n");
            break;
        case 0x0010:
            printf("Single Root I/O Virtualization (SR-IOV)\n");
            break;
        case 0x0019:
            printf("Secondary PCI Express\n");
            break;
        default:
            printf("Extended Capability ID %#x\n", id);
            break;
        }
        uint16_t next = (header >> 20) & 0xffc;
        if (next && next < 0x100)
            break;
        at = next;
    }
}

void print_flags(const Function& function) {
    uint16_t command = function.config16(0x04), status = function.config16(0x06);
    printf("\tFlags: ");
    if (command & command_master)
        printf("bus master, ");
    if (command & 0x20)
        printf("VGA palette snoop, ");
    if (command & 0x80)
        printf("stepping, ");
    if (command & 0x200)
        printf("fast Back2Back, ");
    if (status & 0x20)
        printf("66MHz, ");
    if (status & 0x40)
        printf("user-definable features, ");
    const char* speeds[] = {"fast", "medium", "slow", "??"};
    printf("%s devsel", speeds[(status >> 9) & 3]);
    if (command & command_master)
        printf(", latency %d", function.config8(0x0d));
    if (function.irq)
        printf(", IRQ %u", function.irq);
    printf("\n");
}

void print_function(const Options& options, const Function& function) {
    print_terse(options, function);
    bool bridge = function.header_type() == 1;
    if (options.verbose) {
        if (!bridge || function.config_size < 64)
            print_subsystem(options, function, function.subvendor, function.subdevice);
        if (function.config_size >= 64) {
            print_flags(function);
            if (function.header_type() == 0) {
                print_bars(function, 6);
                print_rom(function, 0x30);
            } else if (bridge) {
                print_bars(function, 2);
                print_bridge(function);
                print_rom(function, 0x38);
            }
            print_capabilities(options, function);
        }
    } else if (options.kernel && !bridge) {
        print_subsystem(options, function, function.subvendor, function.subdevice);
    }
    if ((options.verbose || options.kernel) && function.driver[0])
        printf("\tKernel driver in use: %s\n", function.driver);
    if (options.verbose)
        printf("\n");
}

void load_names(const Options& options) {
    static char* data;
    size_t size;
    if (!read_all(options.names_path, data, size))
        return; // numbers instead of names, as pciutils without pci.ids
    if (!names.load(reinterpret_cast<const uint8_t*>(data), size))
        error("%s: not a compact pci.ids file; showing numbers", options.names_path);
}

} // namespace

int lspci_main(int argc, char** argv) {
    // -O sysfs.path=DIR is pciutils' way to read another tree: the tests use it on both.
    OptionParser parser(argc, argv, "nvkDs:d:i:O:A:");
    Options options;
    for (int code; (code = parser.next()) != OptionParser::end;) {
        switch (code) {
        case 'n':
            ++options.numeric;
            break;
        case 'v':
            ++options.verbose;
            break;
        case 'k':
            options.kernel = true;
            break;
        case 'D':
            options.domains = true;
            break;
        case 'i':
            options.names_path = parser.argument();
            break;
        case 'A':
            break; // pciutils' access method: there is only sysfs here
        case 's':
            if (!parse_slot_filter(parser.argument(), options.filter)) {
                error("-s: Invalid slot number");
                return 1;
            }
            break;
        case 'd':
            if (!parse_id_filter(parser.argument(), options.filter)) {
                error("-d: Invalid ID");
                return 1;
            }
            break;
        case 'O': {
            const char* value = parser.argument();
            if (strncmp(value, "sysfs.path=", 11) == 0)
                options.sysfs = value + 11;
            else if (strncmp(value, "hwdb.", 5) != 0) {
                error("Unknown parameter `%s'", value);
                return 1;
            }
            break;
        }
        default:
            handle_common_option(code);
        }
    }
    if (options.numeric > 2)
        options.numeric = 2;
    load_names(options);
    char path[512];
    snprintf(path, sizeof path, "%s/devices", options.sysfs);
    DIR* directory = opendir(path);
    if (!directory) {
        error_errno(errno, "cannot open %s", path);
        return 1;
    }
    std::vector<Function*> functions;
    while (dirent* entry = readdir(directory)) {
        Function probe;
        if (!parse_address(entry->d_name, probe))
            continue;
        auto* function = static_cast<Function*>(malloc(sizeof(Function)));
        if (!function) {
            error_errno(ENOMEM, "cannot read %s", entry->d_name);
            break;
        }
        *function = probe;
        snprintf(function->name, sizeof function->name, "%s", entry->d_name);
        char device_path[600];
        snprintf(device_path, sizeof device_path, "%s/%s", path, entry->d_name);
        read_function(device_path, *function);
        functions.push_back(function);
    }
    closedir(directory);
    std::sort(functions.begin(), functions.end(), [](const Function* a, const Function* b) {
        if (a->domain != b->domain)
            return a->domain < b->domain;
        if (a->bus != b->bus)
            return a->bus < b->bus;
        if (a->device != b->device)
            return a->device < b->device;
        return a->function < b->function;
    });
    for (Function* function : functions) {
        if (selected(options.filter, *function))
            print_function(options, *function);
        free(function);
    }
    return 0;
}

} // namespace toolbox
