// A recorded/hand-built configuration space for the host tests: a map of functions' 4096-byte spaces
// with BAR sizing emulated (only a BAR's writable bits take a written value, so writing all ones reads
// back the size mask), and a log of what the code under test did to it.
#pragma once

#include "pci/config_space.h"
#include "pci/registers.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <map>
#include <tuple>
#include <utility>

namespace pci::testing {

struct FakeFunction {
    std::array<uint8_t, ConfigSpace::extended_size> bytes{};
    std::array<uint32_t, 6> bar_writable{}; // per BAR dword: the bits a write changes

    uint8_t get8(uint16_t offset) const { return bytes[offset]; }
    uint16_t get16(uint16_t offset) const { return uint16_t(bytes[offset] | bytes[offset + 1] << 8); }
    uint32_t get32(uint16_t offset) const {
        return uint32_t(get16(offset)) | uint32_t(get16(offset + 2)) << 16;
    }
    void set8(uint16_t offset, uint8_t value) { bytes[offset] = value; }
    void set16(uint16_t offset, uint16_t value) {
        set8(offset, uint8_t(value));
        set8(offset + 1, uint8_t(value >> 8));
    }
    void set32(uint16_t offset, uint32_t value) {
        set16(offset, uint16_t(value));
        set16(offset + 2, uint16_t(value >> 16));
    }

    // Builders, in the order a header is read.
    FakeFunction& ids(uint16_t vendor, uint16_t device) {
        set16(reg::vendor_id, vendor);
        set16(reg::device_id, device);
        return *this;
    }
    FakeFunction& class_code(uint8_t class_code, uint8_t subclass, uint8_t prog_if, uint8_t revision = 0) {
        set8(reg::class_code, class_code);
        set8(reg::subclass, subclass);
        set8(reg::prog_if, prog_if);
        set8(reg::revision_id, revision);
        return *this;
    }
    FakeFunction& header_type(uint8_t value) {
        set8(reg::header_type, value);
        return *this;
    }
    FakeFunction& subsystem(uint16_t vendor, uint16_t id) {
        set16(reg::subsystem_vendor_id, vendor);
        set16(reg::subsystem_id, id);
        return *this;
    }
    FakeFunction& interrupt(uint8_t line, uint8_t pin) {
        set8(reg::interrupt_line, line);
        set8(reg::interrupt_pin, pin);
        return *this;
    }
    FakeFunction& command(uint16_t value) {
        set16(reg::command, value);
        return *this;
    }
    FakeFunction& bridge_buses(uint8_t primary, uint8_t secondary, uint8_t subordinate) {
        set8(reg::primary_bus, primary);
        set8(reg::secondary_bus, secondary);
        set8(reg::subordinate_bus, subordinate);
        return *this;
    }
    FakeFunction& io_bar(uint8_t index, uint32_t port, uint32_t size) {
        set32(bar_offset(index), port | 0x1);
        bar_writable[index] = ~(size - 1) & ~0x3u;
        return *this;
    }
    FakeFunction& memory32_bar(uint8_t index, uint32_t address, uint32_t size, bool prefetchable = false) {
        set32(bar_offset(index), address | (prefetchable ? 0x8 : 0));
        bar_writable[index] = ~(size - 1) & ~0xfu;
        return *this;
    }
    FakeFunction& memory64_bar(uint8_t index, uint64_t address, uint64_t size, bool prefetchable = false) {
        set32(bar_offset(index), uint32_t(address) | 0x4 | (prefetchable ? 0x8 : 0));
        set32(bar_offset(index + 1), uint32_t(address >> 32));
        uint64_t writable = ~(size - 1);
        bar_writable[index] = uint32_t(writable) & ~0xfu;
        bar_writable[index + 1] = uint32_t(writable >> 32);
        return *this;
    }
    // A list of (offset, id) chained in the order given; sets the status bit and the pointer at 0x34.
    FakeFunction& capabilities(std::initializer_list<std::pair<uint8_t, uint8_t>> list) {
        set16(reg::status, get16(reg::status) | reg::status_capabilities_list);
        uint16_t previous_next = reg::capabilities_pointer;
        for (auto [offset, id] : list) {
            set8(previous_next, offset);
            set8(offset, id);
            set8(offset + 1, 0);
            previous_next = offset + 1;
        }
        return *this;
    }

    // A PCI Express extended list of (offset, id, version) chained in the order given.
    FakeFunction& extended_capabilities(std::initializer_list<std::tuple<uint16_t, uint16_t, uint8_t>> list) {
        uint16_t previous = 0;
        for (auto [offset, id, version] : list) {
            if (previous)
                set32(previous, get32(previous) | uint32_t(offset) << 20);
            set32(offset, id | uint32_t(version & 0xf) << 16);
            previous = offset;
        }
        return *this;
    }

    static uint16_t bar_offset(uint8_t index) { return uint16_t(reg::bar0 + index * 4); }
    uint8_t bar_count() const {
        uint8_t layout = get8(reg::header_type) & reg::header_type_layout_mask;
        return layout == 0 ? 6 : layout == 1 ? 2 : 0;
    }
};

class FakeConfigSpace : public ConfigSpace {
public:
    FakeFunction& add(Address address) { return m_functions[key(address)]; }
    bool has_extended_space() const override { return extended; }
    FakeFunction* get(Address address) {
        auto found = m_functions.find(key(address));
        return found == m_functions.end() ? nullptr : &found->second;
    }

    uint8_t read8(Address address, uint16_t offset) override {
        ++reads;
        FakeFunction* function = find(address);
        return function ? function->get8(offset) : 0xff;
    }
    uint16_t read16(Address address, uint16_t offset) override {
        ++reads;
        FakeFunction* function = find(address);
        return function ? function->get16(offset) : 0xffff;
    }
    uint32_t read32(Address address, uint16_t offset) override {
        ++reads;
        FakeFunction* function = find(address);
        return function ? function->get32(offset) : 0xffffffff;
    }
    void write8(Address address, uint16_t offset, uint8_t value) override {
        if (FakeFunction* function = find(address))
            function->set8(offset, value);
    }
    void write16(Address address, uint16_t offset, uint16_t value) override {
        if (FakeFunction* function = find(address))
            function->set16(offset, value);
    }
    void write32(Address address, uint16_t offset, uint32_t value) override {
        FakeFunction* function = find(address);
        if (!function)
            return;
        uint8_t bar_count = function->bar_count();
        if (offset >= reg::bar0 && offset < reg::bar0 + 4 * bar_count) {
            uint8_t index = uint8_t((offset - reg::bar0) / 4);
            uint16_t decoding = reg::command_io_space | reg::command_memory_space;
            if (value == 0xffffffff && (function->get16(reg::command) & decoding))
                ++bar_probes_while_decoding;
            uint32_t writable = function->bar_writable[index];
            function->set32(offset, (value & writable) | (function->get32(offset) & ~writable));
            return;
        }
        function->set32(offset, value);
    }

    bool extended = false; // as through ECAM
    size_t reads = 0;
    size_t bar_probes_while_decoding = 0;

protected:
    // Overridden by the hostile tests to answer where nothing was added.
    virtual FakeFunction* find(Address address) { return get(address); }

private:
    static uint64_t key(Address address) {
        return uint64_t(address.segment) << 16 | uint64_t(address.bus) << 8 | uint64_t(address.device) << 3 |
               address.function;
    }
    std::map<uint64_t, FakeFunction> m_functions;
};

} // namespace pci::testing
