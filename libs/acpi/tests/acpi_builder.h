// Test helpers: a builder for ACPI tables (fixes length and checksum unless told not to) and a fake
// physical address space made of byte buffers at chosen addresses.
#pragma once

#include "acpi/physical_memory.h"
#include "acpi/tables.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace acpi::testing {

class TableBuilder {
public:
    explicit TableBuilder(const std::string& signature, uint8_t revision = 1) {
        text(signature, 4).u32(0).u8(revision).u8(0).text("BLOGOS", 6).text("TESTTBL", 8);
        u32(1).u32(0x4c504d42).u32(7); // OEM revision, creator id, creator revision
    }
    TableBuilder& u8(uint8_t value) { return put(value, 1); }
    TableBuilder& u16(uint16_t value) { return put(value, 2); }
    TableBuilder& u32(uint32_t value) { return put(value, 4); }
    TableBuilder& u64(uint64_t value) { return put(value, 8); }
    TableBuilder& zeros(size_t count) {
        m_bytes.insert(m_bytes.end(), count, 0);
        return *this;
    }
    // A string padded with spaces (or cut) to `width` bytes.
    TableBuilder& text(const std::string& value, size_t width) {
        for (size_t i = 0; i < width; ++i)
            m_bytes.push_back(i < value.size() ? static_cast<uint8_t>(value[i]) : ' ');
        return *this;
    }
    TableBuilder& gas(uint8_t space, uint8_t width, uint8_t offset, uint8_t access, uint64_t address) {
        return u8(space).u8(width).u8(offset).u8(access).u64(address);
    }
    TableBuilder& raw(const std::vector<uint8_t>& bytes) {
        m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
        return *this;
    }
    size_t size() const { return m_bytes.size(); }

    // The table with its length field set to its size and a correct checksum.
    std::vector<uint8_t> build() const { return build_with_length(static_cast<uint32_t>(m_bytes.size())); }
    std::vector<uint8_t> build_with_length(uint32_t length) const {
        std::vector<uint8_t> bytes = m_bytes;
        for (int i = 0; i < 4; ++i)
            bytes[4 + i] = static_cast<uint8_t>(length >> (8 * i));
        fix_checksum(bytes);
        return bytes;
    }
    static void fix_checksum(std::vector<uint8_t>& bytes, size_t length = ~size_t(0)) {
        if (length > bytes.size())
            length = bytes.size();
        bytes[9] = 0;
        uint8_t sum = 0;
        for (size_t i = 0; i < length; ++i)
            sum = static_cast<uint8_t>(sum + bytes[i]);
        bytes[9] = static_cast<uint8_t>(-sum);
    }

private:
    TableBuilder& put(uint64_t value, int count) {
        for (int i = 0; i < count; ++i)
            m_bytes.push_back(static_cast<uint8_t>(value >> (8 * i)));
        return *this;
    }
    std::vector<uint8_t> m_bytes;
};

// Regions of bytes at physical addresses; a range is readable only inside one region.
class FakeMemory final : public PhysicalMemory {
public:
    struct Region {
        uint64_t base;
        std::vector<uint8_t> bytes;
    };

    // Copies `bytes` to `address`, growing or creating the region that covers it.
    void write(uint64_t address, const std::vector<uint8_t>& bytes) {
        for (Region& region : m_regions) {
            if (address >= region.base && address - region.base <= region.bytes.size()) {
                size_t offset = address - region.base;
                if (region.bytes.size() < offset + bytes.size())
                    region.bytes.resize(offset + bytes.size());
                std::memcpy(region.bytes.data() + offset, bytes.data(), bytes.size());
                return;
            }
        }
        m_regions.push_back({address, bytes});
    }
    void add_region(uint64_t base, size_t size) { m_regions.push_back({base, std::vector<uint8_t>(size)}); }

    ktl::ErrorOr<ktl::ByteReader> map(uint64_t physical, size_t length) const override {
        ++m_map_calls;
        for (const Region& region : m_regions) {
            if (physical < region.base)
                continue;
            uint64_t offset = physical - region.base;
            if (offset <= region.bytes.size() && length <= region.bytes.size() - offset)
                return ktl::ByteReader(region.bytes.data() + offset, length);
        }
        return ktl::Errno::BadAddress;
    }

    std::vector<Region>& regions() { return m_regions; }
    const std::vector<Region>& regions() const { return m_regions; }
    size_t map_calls() const { return m_map_calls; }

private:
    std::vector<Region> m_regions;
    mutable size_t m_map_calls = 0;
};

// A root table (RSDT with 4-byte or XSDT with 8-byte entries) listing `addresses`.
inline std::vector<uint8_t> root_table(bool xsdt, const std::vector<uint64_t>& addresses) {
    TableBuilder builder(xsdt ? "XSDT" : "RSDT");
    for (uint64_t address : addresses) {
        if (xsdt)
            builder.u64(address);
        else
            builder.u32(static_cast<uint32_t>(address));
    }
    return builder.build();
}

// A collecting sink for write_summary.
class StringSink final : public ktl::FormatSink {
public:
    void write(ktl::StringView text) override { m_text.append(text.data(), text.length()); }
    const std::string& text() const { return m_text; }

private:
    std::string m_text;
};

} // namespace acpi::testing

namespace acpi::testing {

// Writes `value` little-endian into `bytes` at `offset`.
inline void poke(std::vector<uint8_t>& bytes, size_t offset, uint64_t value, int size) {
    for (int i = 0; i < size; ++i)
        bytes.at(offset + i) = static_cast<uint8_t>(value >> (8 * i));
}
inline void poke_gas(std::vector<uint8_t>& bytes, size_t offset, uint8_t space, uint8_t width,
                     uint64_t address) {
    poke(bytes, offset, space, 1);
    poke(bytes, offset + 1, width, 1);
    poke(bytes, offset + 3, width == 32 ? 3 : 1, 1);
    poke(bytes, offset + 4, address, 8);
}

// The FADT fields the tests vary; offsets as in the spec's FADT table.
struct FadtFields {
    uint8_t revision = 6;
    uint32_t facs = 0;
    uint32_t dsdt = 0;
    uint64_t x_dsdt = 0;
    uint16_t sci = 9;
    uint32_t pm_timer_port = 0x608;
    uint8_t pm_timer_length = 4;
    uint8_t century = 0x32;
    uint16_t boot_architecture = 0x0002;
    uint32_t flags = (1u << 8) | (1u << 10);
    uint8_t reset_space = 1;
    uint64_t reset_address = 0xcf9;
    uint8_t reset_value = 6;
    uint8_t x_pm_timer_space = 1;
    uint64_t x_pm_timer = 0;
};

// A FADT of `length` bytes (276 for revision 6, 116 for revision 1), fields that fit filled in.
inline std::vector<uint8_t> fadt_table(const FadtFields& fields, size_t length = 276) {
    std::vector<uint8_t> full = TableBuilder("FACP", fields.revision).zeros(276 - 36).build();
    poke(full, 36, fields.facs, 4);
    poke(full, 40, fields.dsdt, 4);
    poke(full, 46, fields.sci, 2);
    poke(full, 48, 0xb2, 4);
    poke(full, 52, 0xf1, 1);
    poke(full, 53, 0xf0, 1);
    poke(full, 76, fields.pm_timer_port, 4);
    poke(full, 91, fields.pm_timer_length, 1);
    poke(full, 108, fields.century, 1);
    poke(full, 109, fields.boot_architecture, 2);
    poke(full, 112, fields.flags, 4);
    poke_gas(full, 116, fields.reset_space, 8, fields.reset_address);
    poke(full, 128, fields.reset_value, 1);
    poke(full, 140, fields.x_dsdt, 8);
    if (fields.x_pm_timer != 0)
        poke_gas(full, 208, fields.x_pm_timer_space, 32, fields.x_pm_timer);
    full.resize(length);
    poke(full, 4, length, 4);
    TableBuilder::fix_checksum(full);
    return full;
}

inline std::vector<uint8_t> hpet_table(uint32_t block_id = 0x8086a201, uint8_t space = 0,
                                       uint64_t address = 0xfed00000, uint8_t number = 0,
                                       uint16_t minimum_tick = 0x80) {
    return TableBuilder("HPET")
        .u32(block_id)
        .gas(space, 64, 0, 0, address)
        .u8(number)
        .u16(minimum_tick)
        .u8(0)
        .build();
}

// MADT entry encoders (type, length, fields).
inline std::vector<uint8_t> local_apic_entry(uint8_t uid, uint8_t apic_id, uint32_t flags) {
    return {
        0, 8, uid, apic_id, uint8_t(flags), uint8_t(flags >> 8), uint8_t(flags >> 16), uint8_t(flags >> 24)};
}
inline std::vector<uint8_t> io_apic_entry(uint8_t id, uint32_t address, uint32_t gsi_base) {
    std::vector<uint8_t> entry(12);
    poke(entry, 0, 1, 1);
    poke(entry, 1, 12, 1);
    poke(entry, 2, id, 1);
    poke(entry, 4, address, 4);
    poke(entry, 8, gsi_base, 4);
    return entry;
}
inline std::vector<uint8_t> override_entry(uint8_t source, uint32_t gsi, uint16_t flags) {
    std::vector<uint8_t> entry(10);
    poke(entry, 0, 2, 1);
    poke(entry, 1, 10, 1);
    poke(entry, 3, source, 1);
    poke(entry, 4, gsi, 4);
    poke(entry, 8, flags, 2);
    return entry;
}
inline std::vector<uint8_t> local_nmi_entry(uint8_t uid, uint16_t flags, uint8_t lint) {
    return {4, 6, uid, uint8_t(flags), uint8_t(flags >> 8), lint};
}
inline std::vector<uint8_t> address_override_entry(uint64_t address) {
    std::vector<uint8_t> entry(12);
    poke(entry, 0, 5, 1);
    poke(entry, 1, 12, 1);
    poke(entry, 4, address, 8);
    return entry;
}
inline std::vector<uint8_t> x2apic_entry(uint32_t x2apic_id, uint32_t flags, uint32_t uid) {
    std::vector<uint8_t> entry(16);
    poke(entry, 0, 9, 1);
    poke(entry, 1, 16, 1);
    poke(entry, 4, x2apic_id, 4);
    poke(entry, 8, flags, 4);
    poke(entry, 12, uid, 4);
    return entry;
}
inline std::vector<uint8_t> x2apic_nmi_entry(uint16_t flags, uint32_t uid, uint8_t lint) {
    std::vector<uint8_t> entry(12);
    poke(entry, 0, 10, 1);
    poke(entry, 1, 12, 1);
    poke(entry, 2, flags, 2);
    poke(entry, 4, uid, 4);
    poke(entry, 8, lint, 1);
    return entry;
}

inline TableBuilder madt_builder(uint32_t local_apic_address = 0xfee00000, uint32_t flags = 1) {
    TableBuilder builder("APIC", 5);
    builder.u32(local_apic_address).u32(flags);
    return builder;
}

// A Table over caller-owned bytes, as discover() would hand it out.
inline Table table_over(const std::vector<uint8_t>& bytes, size_t length, uint64_t address = 0x1000) {
    Table table;
    table.address = address;
    table.bytes = ktl::ByteReader(bytes.data(), length);
    table.checksum_ok = true;
    return table;
}

// A small but complete machine: XSDT (unaligned) and RSDT listing FADT, MADT, HPET and an SSDT;
// the FADT names the DSDT. `tables` records where each table is, for checksum repair in fuzzing.
struct Machine {
    static constexpr uint64_t base = 0x7fe0000;
    static constexpr uint64_t dsdt = base + 0x0, fadt = base + 0x100, madt = base + 0x300,
                              hpet = base + 0x400, ssdt = base + 0x440, xsdt = base + 0x483,
                              rsdt = base + 0x4d1;
    FakeMemory memory;
    std::vector<std::pair<uint64_t, size_t>> tables;

    void place(uint64_t address, const std::vector<uint8_t>& bytes) {
        memory.write(address, bytes);
        tables.push_back({address, bytes.size()});
    }
};

inline Machine standard_machine() {
    Machine machine;
    machine.memory.add_region(Machine::base, 0x600);
    machine.place(Machine::dsdt,
                  TableBuilder("DSDT", 2).raw({0x10, 0x0a, 0x5c, 0x5f, 0x53, 0x42, 0x5f}).build());
    FadtFields fields;
    fields.x_dsdt = Machine::dsdt;
    fields.dsdt = static_cast<uint32_t>(Machine::dsdt);
    fields.x_pm_timer = 0x608;
    machine.place(Machine::fadt, fadt_table(fields));
    machine.place(Machine::madt, madt_builder()
                                     .raw(local_apic_entry(0, 0, 1))
                                     .raw(local_apic_entry(1, 1, 1))
                                     .raw(local_apic_entry(2, 2, 2))
                                     .raw(x2apic_entry(300, 1, 3))
                                     .raw(io_apic_entry(0, 0xfec00000, 0))
                                     .raw(override_entry(0, 2, 0))
                                     .raw(override_entry(9, 9, 0xd))
                                     .raw(local_nmi_entry(0xff, 5, 1))
                                     .raw(x2apic_nmi_entry(0xf, 3, 1))
                                     .raw(address_override_entry(0xfee00000))
                                     .build());
    machine.place(Machine::hpet, hpet_table());
    machine.place(Machine::ssdt, TableBuilder("SSDT").u32(0xdeadbeef).build());
    machine.place(Machine::xsdt,
                  root_table(true, {Machine::fadt, Machine::madt, Machine::hpet, Machine::ssdt}));
    machine.place(Machine::rsdt,
                  root_table(false, {Machine::fadt, Machine::madt, Machine::hpet, Machine::ssdt}));
    return machine;
}

} // namespace acpi::testing
